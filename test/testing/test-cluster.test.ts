/**
 * `createTestCluster` as its contract describes it: a primary and workers in
 * this process, through the same encoding, validation, errors and events as
 * real processes, several at once next to a real rpc object.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClusterRpc, defineEvents, defineRouter, procedure, RpcError } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';

function appRouters() {
  let hits = 0;
  const served: string[] = [];
  const primaryRouter = defineRouter({
    hits: {
      increment: procedure
        .input(z.object({ by: z.number().int().positive() }))
        .output(z.number())
        .handler(({ input }) => (hits += input.by)),
    },
    now: procedure.handler(() => new Date(1_700_000_000_000)),
    echo: procedure.input(z.unknown()).handler(({ input }) => input),
    whoCalls: procedure.handler(({ ctx }) => ctx.caller),
  });
  const workerRouter = defineRouter({
    stats: procedure.handler(({ ctx }) => ({ requestId: ctx.requestId, caller: ctx.caller })),
    hold: procedure.input(z.string()).handler(
      ({ input, ctx }) =>
        new Promise<string>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            served.push(`${input}: ${(ctx.signal.reason as RpcError).code}`);
            resolve('aborted');
          });
        }),
    ),
  });
  const events = defineEvents({ configChanged: z.object({ key: z.string(), value: z.string() }) });
  return { primaryRouter, workerRouter, events, served };
}

/** Frames cross on a later turn of the event loop. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits (a turn at a time, at most 2 s) until `done()`. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < 2000; ) await nextTurn();
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((cluster) => cluster.close()));
});

function started<const TCount extends number>(workers: TCount) {
  const app = appRouters();
  const cluster = createTestCluster({ primary: app.primaryRouter, worker: app.workerRouter, events: app.events, workers });
  open.push(cluster);
  return { ...app, cluster };
}

describe('createTestCluster', () => {
  it('runs the contract sample: workers[i] is worker id i + 1', async () => {
    const { cluster } = started(3);
    expect(await cluster.workers[0].call('hits.increment', { by: 1 })).toBe(1);
    expect(await cluster.workers[2].call('hits.increment', { by: 2 })).toBe(3);
    const stats = await cluster.primary.callAll('stats');
    expect(stats.map((entry) => entry.workerId)).toEqual([1, 2, 3]);
    expect(stats.every((entry) => entry.status === 'fulfilled')).toBe(true);
    expect(await cluster.workers[1].call('whoCalls')).toEqual({
      side: 'worker',
      workerId: 2,
      pid: process.pid,
      host: hostname(),
    });
    expect(cluster.primary.workers()).toEqual([1, 2, 3].map((workerId) => ({ workerId, pid: process.pid, host: hostname() })));
  });

  it('crosses the same encoding as the channel: a Date arrives as an equal copy, a function is UNSERIALIZABLE', async () => {
    const { cluster } = started(1);
    const sent = { at: new Date(5), tags: new Set(['a']), big: 2n ** 70n };
    const echoed = await cluster.workers[0].call('echo', sent);
    expect(echoed).toEqual(sent);
    expect(echoed).not.toBe(sent);
    expect((echoed as typeof sent).at).not.toBe(sent.at);
    expect(await cluster.workers[0].call('now')).toEqual(new Date(1_700_000_000_000));
    await expect(cluster.workers[0].call('echo', { callback: () => 1 })).rejects.toMatchObject({ code: 'UNSERIALIZABLE' });
    await expect(cluster.workers[0].call('hits.increment', { by: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('kill(id): calls in flight to the worker reject with DISCONNECTED, its handlers see their signal abort, and it stops counting', async () => {
    const { cluster, served } = started(2);
    const inFlight = Array.from({ length: 5 }, (_, index) => cluster.primary.call(2, 'hold', `call ${index}`));
    const all = cluster.primary.callAll('hold', 'all', { timeout: 200 });
    await cluster.primary.call(2, 'stats'); // the held calls have reached the worker
    cluster.kill(2);
    const outcomes = await Promise.allSettled(inFlight);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(RpcError);
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'DISCONNECTED' });
    }
    expect(served.filter((line) => line.startsWith('call')).sort()).toEqual(
      [0, 1, 2, 3, 4].map((index) => `call ${index}: DISCONNECTED`),
    );
    expect((await all).map((entry) => [entry.workerId, entry.status === 'rejected' && entry.error.code])).toEqual([
      [1, 'TIMEOUT'],
      [2, 'DISCONNECTED'],
    ]);
    expect(cluster.primary.workers().map((worker) => worker.workerId)).toEqual([1]);
    await expect(cluster.primary.call(2, 'stats')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(cluster.workers[1].call('now')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(() => cluster.kill(2)).toThrow(RangeError);
    // The cancel of worker 1's timed-out call crosses like any frame.
    await until(() => cluster.pendingCount() === 0);
    expect(cluster.pendingCount()).toBe(0);
  });

  it('fork() adds a worker with the next id, which broadcasts reach', async () => {
    const { cluster } = started(1);
    const third = cluster.fork();
    const heard: unknown[] = [];
    third.on('configChanged', (payload, meta) => void heard.push([payload, meta.from, meta.headers]));
    cluster.workers[0].on('configChanged', (payload, meta) => void heard.push([payload, meta.from, meta.headers]));
    expect(await cluster.primary.broadcast('configChanged', { key: 'a', value: 'b' }, { headers: { h: 'primary' } })).toBe(2);
    await third.broadcast('configChanged', { key: 'c', value: 'd' }, { headers: { h: 'third' } });
    await nextTurn();
    await cluster.primary.call(2, 'stats'); // one more round trip: every event has arrived
    expect(heard).toEqual([
      [{ key: 'a', value: 'b' }, { side: 'primary' }, { h: 'primary' }],
      [{ key: 'a', value: 'b' }, { side: 'primary' }, { h: 'primary' }],
      [{ key: 'c', value: 'd' }, { side: 'worker', workerId: 2, pid: process.pid, host: hostname() }, { h: 'third' }],
    ]);
  });

  it('several clusters at once, next to a real rpc object, do not see each other', async () => {
    const first = started(2);
    const second = started(1);
    const real = createClusterRpc({ primary: first.primaryRouter, worker: first.workerRouter, events: first.events });
    try {
      await first.cluster.workers[0].call('hits.increment', { by: 5 });
      expect(await second.cluster.workers[0].call('hits.increment', { by: 1 })).toBe(1);
      expect(first.cluster.primary.workers()).toHaveLength(2);
      expect(second.cluster.primary.workers()).toHaveLength(1);
      expect(real.primary.workers()).toEqual([]);
    } finally {
      await real.close();
    }
  });

  it('close() settles what is in flight with SHUTTING_DOWN on both sides', async () => {
    const { cluster } = started(1);
    const held = cluster.primary.call(1, 'hold', 'closing').catch((error: unknown) => error);
    await cluster.primary.call(1, 'stats');
    await cluster.close();
    expect(await held).toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(cluster.workers[0].call('now')).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(cluster.pendingCount()).toBe(0);
  });

  it('refuses options out of range', () => {
    expect(() => createTestCluster({ workers: -1 })).toThrow(/workers must be a non-negative integer, got -1/);
    expect(() => createTestCluster({ workers: 1.5 })).toThrow(TypeError);
    expect(() => createTestCluster({ timeout: 0 })).toThrow(/timeout/);
  });
});
