/**
 * Sending into a channel that pushes back (the transport answers `congested`
 * while the peer is busy-blocked and the pipe is full) and into a channel that is
 * closing: nothing crashes, and every call ends, with its value or a clear code.
 *
 * The core queues without a bound while the channel is full: the figures
 * printed here (memory held, time to drain) are what that costs.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, readReport, tally, track, useFaultWorker } from '../helpers/faults.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { channelStats } from './fixtures/channel.js';
import { blockFor, createFaultRpc, type FaultRpc, stats } from './fixtures/router.js';

const BLOCK_MS = 1_500;
const BIG_BYTES = 256 * 1024;
const ROUNDS = 10;
const PER_ROUND = 10;
const SHORT_TIMEOUT_MS = 300;

let rpc: FaultRpc;
let worker: Worker;
const reports = new ReportDir();
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

beforeAll(async () => {
  useFaultWorker();
  rpc = createFaultRpc();
  worker = forkFaultWorker(reports.file());
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

describe('backpressure: the peer is busy-blocked while large calls pile up', () => {
  it('primary → worker: 100 calls of 256 KiB all succeed, short-timeout ones fail with TIMEOUT and are never sent', async () => {
    const text = 'z'.repeat(BIG_BYTES);
    const ranBefore = (await rpc.primary.call(worker, 'probe')).byPath.length ?? 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sendsBefore = { ...channelStats };
    const blocking = rpc.primary.call(worker, 'block', BLOCK_MS);
    await sleep(50); // the worker is now spinning and reads nothing

    const started = Date.now();
    const long: Array<Promise<unknown>> = [];
    const short: Array<Promise<unknown>> = [];
    // Handled from the start: on a slow machine a short call may time out before the loop ends.
    const handled = <T>(call: Promise<T>): Promise<T> => {
      call.catch(() => undefined);
      return call;
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (let index = 0; index < PER_ROUND; index++)
        long.push(handled(rpc.primary.call(worker, 'length', text, { timeout: 30_000 })));
      short.push(handled(rpc.primary.call(worker, 'length', text, { timeout: SHORT_TIMEOUT_MS })));
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      await sleep(10);
    }
    const longOutcomes = track(long).all;
    const shortOutcomes = await track(short).all;
    const results = await Promise.all(long);
    const drainedMs = Date.now() - started;
    await longOutcomes;
    await blocking;

    expect(results).toEqual(long.map(() => BIG_BYTES));
    expect(tally(shortOutcomes)).toEqual({ TIMEOUT: ROUNDS });
    expect(channelStats.pushedBack - sendsBefore.pushedBack).toBeGreaterThan(0);
    expect(rpc.pendingCount()).toBe(0);
    // The channel has drained: this probe left after every call above, so the worker has read all that was sent.
    const seen = await rpc.primary.call(worker, 'probe');
    expect(seen.pending).toBe(0);
    // Each short call timed out while it waited behind the congestion: none of them reached a handler.
    expect((seen.byPath.length ?? 0) - ranBefore).toBe(long.length);
    console.log(
      `[faults] backpressure primary→worker: ${long.length + short.length} calls × 256 KiB while the worker spun ${BLOCK_MS} ms; ` +
        `the channel pushed back ${channelStats.pushedBack - sendsBefore.pushedBack} of ${channelStats.frames - sendsBefore.frames} frames; ` +
        `all ${long.length} long calls ok, drained after ${drainedMs} ms; ${ROUNDS} short ones TIMEOUT; ` +
        `primary RSS +${mib(rssPeak - rssBefore)} at peak`,
    );
  });

  it('worker → primary: 100 calls of 256 KiB sent while the primary spins all succeed, short-timeout ones fail with TIMEOUT and are never sent', async () => {
    const ranBefore = stats.byPath.length ?? 0;
    const count = ROUNDS * (PER_ROUND + 1);
    const flood = rpc.primary.call(worker, 'flood', {
      count,
      bytes: BIG_BYTES,
      timeout: 30_000,
      // The last call of every run of 11 is short: never the first, which is written before the channel congests.
      shortEvery: PER_ROUND + 1,
      shortTimeout: SHORT_TIMEOUT_MS,
    });
    await new Promise((flushed) => setImmediate(flushed)); // the flood call has been written
    blockFor(BLOCK_MS); // the primary reads nothing while the worker issues its calls
    const outcome = await flood;
    expect(outcome.codes).toEqual({ long: { ok: ROUNDS * PER_ROUND }, short: { TIMEOUT: ROUNDS } });
    expect(outcome.pushedBack).toBeGreaterThan(0);
    // Every answer is in, so every call the worker wrote has been read: only the long ones reached a handler.
    expect((stats.byPath.length ?? 0) - ranBefore).toBe(ROUNDS * PER_ROUND);
    expect(rpc.pendingCount()).toBe(0);
    expect(await rpc.primary.call(worker, 'probe')).toMatchObject({ pending: 0 });
    console.log(
      `[faults] backpressure worker→primary: ${count} calls × 256 KiB while the primary spun ${BLOCK_MS} ms; ` +
        `the channel pushed back ${outcome.pushedBack} times; all long ones ok after ${outcome.ms} ms`,
    );
  });
});

describe('sending while the channel is closing', () => {
  it('calls made right after worker.disconnect() and right after the channel closed end at once, without a crash', async () => {
    const closing = forkFaultWorker(reports.file());
    await rpc.primary.call(closing, 'probe');
    const gone = exited(closing);
    closing.disconnect();
    const during = track([rpc.primary.call(closing, 'echo', 'during', { timeout: 30_000 })]).all;
    await new Promise((done) => closing.once('disconnect', done));
    const after = track([
      rpc.primary.call(closing, 'echo', 'after', { timeout: 30_000 }),
      rpc.primary.call(closing.id, 'echo', 'after', { timeout: 30_000 }),
    ]).all;
    const [duringOutcome] = await during;
    const afterOutcomes = await after;
    await gone;

    // Sent before the channel closed, it may still have been answered; it must not hang.
    expect(['ok', 'DISCONNECTED']).toContain(duringOutcome?.code);
    expect(tally(afterOutcomes)).toEqual({ DISCONNECTED: 2 });
    expect(Math.max(...afterOutcomes.map((outcome) => outcome.ms))).toBeLessThan(1_000);
    expect(rpc.pendingCount()).toBe(0);
  });

  it('calls made in the same tick as a SIGKILL, before Node has noticed, end with DISCONNECTED and do not crash the primary', async () => {
    const victim = forkFaultWorker(reports.file());
    await rpc.primary.call(victim, 'probe');
    const gone = exited(victim);
    victim.process.kill('SIGKILL');
    const tracked = track(Array.from({ length: 20 }, (_, index) => rpc.primary.call(victim, 'echo', index, { timeout: 30_000 })));
    await sleep(20);
    const late = track(Array.from({ length: 20 }, (_, index) => rpc.primary.call(victim, 'echo', index, { timeout: 30_000 })));
    const outcomes = [...(await tracked.all), ...(await late.all)];
    await gone;
    expect(tally(outcomes)).toEqual({ DISCONNECTED: 40 });
    expect(Math.max(...outcomes.map((outcome) => outcome.ms))).toBeLessThan(5_000);
    expect(await rpc.primary.call(worker, 'echo', 'still here')).toBe('still here');
  });

  it('close() with calls in flight both ways and new ones arriving: all settle with SHUTTING_DOWN, and a new rpc serves again', async () => {
    const file = reports.file();
    const busy = forkFaultWorker(file);
    await rpc.primary.call(busy, 'probe');
    await rpc.primary.call(busy, 'fire', { path: 'hang', count: 50, timeout: 30_000, batch: 'close' });
    const toWorker = track(Array.from({ length: 50 }, () => rpc.primary.call(busy, 'hang', undefined, { timeout: 30_000 })));
    await sleep(100);
    const closed = rpc.close();
    const refused = track([rpc.primary.call(busy, 'echo', 1), rpc.primary.call(worker, 'echo', 1)]).all;
    await closed;
    expect(tally(await toWorker.all)).toEqual({ SHUTTING_DOWN: 50 });
    expect(tally(await refused)).toEqual({ SHUTTING_DOWN: 2 });
    expect(rpc.pendingCount()).toBe(0);

    await waitFor('the worker to report its calls', () => readReport(file).filter((line) => line.batch === 'close').length >= 50);
    await sleep(50); // a second settlement of any call would be reported by now
    expect(
      tally(
        readReport(file)
          .filter((line) => line.batch === 'close')
          .map((line) => String(line.code)),
      ),
    ).toEqual({
      SHUTTING_DOWN: 50,
    });

    rpc = createFaultRpc();
    expect(await rpc.primary.call(busy, 'echo', 'again')).toBe('again');
    const seen = await rpc.primary.call(busy, 'probe');
    expect(seen.pending).toBe(0);
  });
});
