/**
 * Typed events between real processes: broadcast, emit, relay, validation on
 * both ends, unsubscribe, throwing listeners, and workers that are starting.
 */

import type { Worker } from 'node:cluster';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../../src/index.js';
import type { PrimaryEventMeta } from '../../src/types.js';
import { event, frame } from '../../src/wire/protocol.js';
import { createTestRpc, type Outcome, outcomeOf, reportedHere, type TestRpc } from '../fixtures/app.js';
import { exited, fixture, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';

type Received = Array<{ name: string; payload: unknown; from: PeerInfo; headers: Record<string, string> }>;

let rpc: TestRpc;
let workers: Worker[];

async function receivedBy(worker: Worker): Promise<Received> {
  return (await rpc.primary.call(worker, 'drive.received')) as Received;
}

/** Events a worker received since the mark, by name. */
async function receivedSince(worker: Worker, marks: Map<number, number>, name: string): Promise<Received> {
  const all = await receivedBy(worker);
  return all.slice(marks.get(worker.id) ?? 0).filter((entry) => entry.name === name);
}

async function markAll(): Promise<Map<number, number>> {
  const marks = new Map<number, number>();
  for (const worker of workers) marks.set(worker.id, (await receivedBy(worker)).length);
  return marks;
}

/** Gives in-flight events time to land: one round trip to every worker after they were sent. */
async function settle(): Promise<void> {
  await Promise.all(workers.map((worker) => rpc.primary.call(worker, 'none')));
  await delay(30);
}

beforeAll(async () => {
  useWorkerScript(fixture('worker.ts'));
  rpc = createTestRpc();
  workers = [fork(), fork(), fork()];
  await Promise.all(workers.map((worker) => rpc.primary.call(worker, 'none')));
});

afterAll(async () => {
  await rpc.close();
  await killAllWorkers();
});

describe('rpc.primary.broadcast', () => {
  it('reaches every worker exactly once and resolves with how many it was handed to', async () => {
    const marks = await markAll();
    const headers = { 'x-request-id': 'r-1' };
    expect(await rpc.primary.broadcast('ping', { n: 1 }, { headers })).toBe(workers.length);
    await settle();
    for (const worker of workers) {
      expect(await receivedSince(worker, marks, 'ping')).toEqual([
        { name: 'ping', payload: { n: 1 }, from: { side: 'primary' }, headers },
      ]);
    }
  });

  it('carries superjson types and takes no payload for z.void()', async () => {
    const marks = await markAll();
    await rpc.primary.broadcast('when', new Date(86_400_000));
    await rpc.primary.broadcast('flush');
    await settle();
    for (const worker of workers) {
      expect(await receivedSince(worker, marks, 'when')).toEqual([
        { name: 'when', payload: new Date(86_400_000), from: { side: 'primary' }, headers: {} },
      ]);
      expect(await receivedSince(worker, marks, 'flush')).toEqual([
        { name: 'flush', payload: undefined, from: { side: 'primary' }, headers: {} },
      ]);
    }
  });

  it('refuses headers that are not a plain object of strings, or over 8 KiB, with BAD_REQUEST before anything is sent', async () => {
    const marks = await markAll();
    for (const headers of [{ n: 1 }, 'x-request-id', { big: 'x'.repeat(9000) }]) {
      const outcome = await outcomeOf(rpc.primary.broadcast('ping', { n: 1 }, { headers } as never));
      expect(outcome).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
      expect((outcome as { message: string }).message).toContain('options.headers');
    }
    await settle();
    for (const worker of workers) expect(await receivedSince(worker, marks, 'ping')).toEqual([]);
  });

  it('refuses an invalid payload with BAD_REQUEST before anything is sent', async () => {
    const marks = await markAll();
    const outcome = await outcomeOf(rpc.primary.broadcast('ping', { n: 1.5 }));
    expect(outcome).toMatchObject({ ok: false, code: 'BAD_REQUEST', issues: [{ path: ['n'] }] });
    await settle();
    for (const worker of workers) expect(await receivedSince(worker, marks, 'ping')).toEqual([]);
  });

  it('drops an invalid payload that arrives anyway, without delivering it', async () => {
    const [first] = workers as [Worker];
    const marks = await markAll();
    // A sender that skipped validation: a raw frame straight onto the channel.
    first.send(frame([event('ping', 0, process.pid, [{ n: 'not a number' }], ''), event('nope', 0, process.pid, [1], '')]));
    first.send(frame([event('ping', 0, process.pid, [{ n: 7 }], '')]));
    await settle();
    expect((await receivedSince(first, marks, 'ping')).map((entry) => entry.payload)).toEqual([{ n: 7 }]);
  });
});

describe('events from workers', () => {
  let heard: Array<{ name: string; payload: unknown; meta: PrimaryEventMeta }> = [];
  let offs: Array<() => void> = [];

  beforeEach(() => {
    for (const off of offs) off();
    heard = [];
    offs = [
      rpc.primary.on('configChanged', (payload, meta) => void heard.push({ name: 'configChanged', payload, meta })),
      rpc.primary.on('ping', (payload, meta) => void heard.push({ name: 'ping', payload, meta })),
    ];
  });

  it('emit reaches the primary listeners only', async () => {
    const [first, second] = workers as [Worker, Worker];
    const marks = await markAll();
    const headers = { 'x-request-id': 'r-2' };
    const outcome = (await rpc.primary.call(first, 'drive.emit', { name: 'ping', payload: { n: 2 }, headers })) as Outcome;
    expect(outcome).toEqual({ ok: true, value: undefined });
    await settle();
    expect(heard).toEqual([
      { name: 'ping', payload: { n: 2 }, meta: { workerId: first.id, pid: first.process.pid, host: hostname(), headers } },
    ]);
    expect(await receivedSince(second, marks, 'ping')).toEqual([]);
  });

  it('broadcast is relayed to the primary and every other worker, not back to the sender', async () => {
    const [sender, ...others] = workers as [Worker, ...Worker[]];
    const marks = await markAll();
    const payload = { key: 'mode', value: 'fast' };
    await rpc.primary.call(sender, 'drive.emit', { name: 'configChanged', payload, broadcast: true });
    await settle();
    expect(heard).toEqual([
      { name: 'configChanged', payload, meta: { workerId: sender.id, pid: sender.process.pid, host: hostname(), headers: {} } },
    ]);
    for (const other of others) {
      expect(await receivedSince(other, marks, 'configChanged')).toEqual([
        {
          name: 'configChanged',
          payload,
          from: { side: 'worker', workerId: sender.id, pid: sender.process.pid, host: hostname() },
          headers: {},
        },
      ]);
    }
    expect(await receivedSince(sender, marks, 'configChanged')).toEqual([]);
  });

  it('a worker is refused an invalid payload with BAD_REQUEST, and nothing reaches the primary', async () => {
    const [first] = workers as [Worker];
    const outcome = (await rpc.primary.call(first, 'drive.emit', { name: 'ping', payload: { n: 'x' } })) as Outcome;
    expect(outcome).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    const unknown = (await rpc.primary.call(first, 'drive.emit', { name: 'nope', payload: {} })) as Outcome;
    expect(unknown).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    await settle();
    expect(heard).toEqual([]);
  });

  it('a removed listener hears nothing more', async () => {
    const [first] = workers as [Worker];
    for (const off of offs) off();
    const kept: unknown[] = [];
    const off = rpc.primary.on('ping', (payload) => void kept.push(payload));
    await rpc.primary.call(first, 'drive.emit', { name: 'ping', payload: { n: 1 } });
    await settle();
    off();
    await rpc.primary.call(first, 'drive.emit', { name: 'ping', payload: { n: 2 } });
    await settle();
    expect(kept).toEqual([{ n: 1 }]);
    expect(heard).toEqual([]);
  });

  it('a listener that throws does not stop the others; onError hears it, with the event and its sender', async () => {
    const [first] = workers as [Worker];
    const after: unknown[] = [];
    offs.push(
      rpc.primary.on('ping', () => {
        throw new Error('listener failure (expected in this test)');
      }),
      rpc.primary.on('ping', (payload) => void after.push(payload)),
    );
    await rpc.primary.call(first, 'drive.emit', { name: 'ping', payload: { n: 3 } });
    await settle();
    expect(after).toEqual([{ n: 3 }]);
    expect(heard).toHaveLength(1);
    expect(reportedHere().filter((entry) => entry.where.kind === 'event')).toEqual([
      {
        where: {
          side: 'primary',
          kind: 'event',
          path: 'ping',
          caller: { side: 'worker', workerId: first.id, pid: first.process.pid, host: hostname() },
        },
        message: 'listener failure (expected in this test)',
        stack: expect.stringContaining('events.test.ts'),
      },
    ]);
  });
});

describe('workers that are starting', () => {
  it('a broadcast sent while a worker restarts reaches the new worker once it is ready', async () => {
    const old = workers.pop() as Worker;
    old.process.kill('SIGKILL');
    await exited(old);
    const marks = await markAll();
    const replacement = fork({ FIXTURE_MODE: 'late', LATE_MS: '600' });
    workers.push(replacement);
    // Sent while the replacement's rpc object does not exist yet.
    const delivered = await rpc.primary.broadcast('ping', { n: 42 });
    expect(delivered).toBe(workers.length);
    await settle();
    // The new worker, and each of the others, got it once.
    for (const worker of workers) {
      expect(await receivedSince(worker, marks, 'ping')).toEqual([
        { name: 'ping', payload: { n: 42 }, from: { side: 'primary' }, headers: {} },
      ]);
    }
  });

  it('a worker that dies during a broadcast does not fail it for the others', async () => {
    const marks = await markAll();
    const doomed = fork({ FIXTURE_MODE: 'late', LATE_MS: '5000' });
    const broadcasting = rpc.primary.broadcast('ping', { n: 43 });
    await delay(100);
    doomed.process.kill('SIGKILL');
    expect(await broadcasting).toBe(workers.length);
    await settle();
    for (const worker of workers) {
      expect(await receivedSince(worker, marks, 'ping')).toEqual([
        { name: 'ping', payload: { n: 43 }, from: { side: 'primary' }, headers: {} },
      ]);
    }
  });
});
