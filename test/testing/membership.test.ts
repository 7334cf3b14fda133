/**
 * Who is there, in a test cluster: `cluster.fork()` is a join once the
 * worker's rpc object answers, `cluster.kill(id)` a leave, each heard once
 * and in order by `rpc.primary.onWorkers`, and by the worker's
 * `onPrimary`; `self()` once it has joined. Also onError for what handlers,
 * streams and listeners throw, here where every side shares the process.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvents, defineRouter, type PrimaryChange, procedure, type WorkerChange } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';
import type { ErrorSite } from '../../src/types.js';

const clusters: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

/** A turn of the event loop for every frame in flight, many times over: the in-process channel delivers at setImmediate. */
const settled = (): Promise<void> => delay(20);

describe('onWorkers, onPrimary and self() in a test cluster', () => {
  it('each fork is heard joining and each kill leaving, once, in order, through three rounds', async () => {
    const cluster = createTestCluster({ workers: 0 });
    clusters.push(cluster);
    const heard: string[] = [];
    cluster.primary.onWorkers((change: WorkerChange) => {
      const listed = cluster.primary.workers().some((worker) => worker.workerId === change.worker.workerId);
      heard.push(
        change.type === 'joined'
          ? `joined ${change.worker.workerId} listed=${listed}`
          : `left ${change.worker.workerId}: ${change.reason}`,
      );
    });
    const seenByWorkers = new Map<number, string[]>();
    for (let round = 0; round < 3; round++) {
      const ids = [cluster.fork(), cluster.fork()].map((worker) => {
        const workerId = cluster.workers.indexOf(worker) + 1;
        expect(worker.self()).toBeUndefined(); // its primary has not answered yet
        worker.onPrimary((change: PrimaryChange) => {
          const entry = change.type === 'joined' ? `joined as ${worker.self()?.workerId}` : `left: ${change.reason}`;
          seenByWorkers.set(workerId, [...(seenByWorkers.get(workerId) ?? []), entry]);
        });
        return workerId;
      });
      await settled();
      for (const workerId of ids) cluster.kill(workerId);
      await settled();
    }
    expect(heard).toEqual(
      [1, 3, 5].flatMap((id) => [
        `joined ${id} listed=true`,
        `joined ${id + 1} listed=true`,
        `left ${id}: it was killed by the test cluster`,
        `left ${id + 1}: it was killed by the test cluster`,
      ]),
    );
    for (let workerId = 1; workerId <= 6; workerId++) {
      expect(seenByWorkers.get(workerId)).toEqual([`joined as ${workerId}`, 'left: its process was killed']);
    }
    expect(cluster.primary.workers()).toEqual([]);
  });

  it('onError hears what a handler, a stream and an event listener threw, with where; an RpcError from a handler is no error of the serving side', async () => {
    const heard: Array<{ message: string; where: ErrorSite }> = [];
    const cluster = createTestCluster({
      primary: defineRouter({
        fails: procedure.handler((): never => {
          throw new TypeError('handler bug');
        }),
        refuses: procedure.handler((): never => {
          throw new Error('not an RpcError either');
        }),
        breaks: procedure.stream(async function* () {
          yield 1;
          throw new RangeError('generator bug');
        }),
      }),
      events: defineEvents({ ping: z.number() }),
      workers: 1,
      onError: (error, where) => void heard.push({ message: (error as Error).message, where }),
    });
    clusters.push(cluster);
    const [worker] = cluster.workers;
    cluster.primary.on('ping', () => {
      throw new Error('listener bug');
    });
    await expect(worker.call('fails')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    const items: number[] = [];
    await expect(
      (async () => {
        for await (const item of worker.stream('breaks')) items.push(item);
      })(),
    ).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await worker.emit('ping', 1);
    await settled();
    const caller = { side: 'worker', workerId: 1, pid: process.pid, host: expect.any(String) };
    expect(heard).toEqual([
      { message: 'handler bug', where: { side: 'primary', kind: 'call', path: 'fails', caller } },
      { message: 'generator bug', where: { side: 'primary', kind: 'stream', path: 'breaks', caller } },
      { message: 'listener bug', where: { side: 'primary', kind: 'event', path: 'ping', caller } },
    ]);
    expect(items).toEqual([1]);
  });

  it('onError: false reports nowhere; a reporter that throws breaks nothing', async () => {
    const quiet = createTestCluster({
      primary: defineRouter({
        fails: procedure.handler((): never => {
          throw new Error('bug');
        }),
      }),
      workers: 1,
      onError: false,
    });
    const loud = createTestCluster({
      primary: defineRouter({
        fails: procedure.handler((): never => {
          throw new Error('bug');
        }),
      }),
      workers: 1,
      onError: () => {
        throw new Error('the reporter itself fails');
      },
    });
    clusters.push(quiet, loud);
    for (const cluster of [quiet, loud]) {
      await expect(cluster.workers[0].call('fails')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
      await expect(cluster.workers[0].call('fails')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    }
    expect(() => createTestCluster({ onError: 'stderr' as never })).toThrow(/onError must be a function or false/);
  });
});
