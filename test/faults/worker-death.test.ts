/**
 * A worker that dies (SIGKILL, process.exit, an uncaught exception) or loses
 * its channel while 100 calls are in flight each way: every call settles with
 * DISCONNECTED within seconds (the timeout is 30 s), once, and both pending
 * tables end empty.
 */
import type { Worker } from 'node:cluster';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  exited,
  forkFaultWorker,
  killAllWorkers,
  type Outcome,
  ReportDir,
  readReport,
  tally,
  track,
  useFaultWorker,
  waitFor,
} from './fixtures/harness.js';
import { createFaultRpc, type FaultRpc, stats } from './fixtures/router.js';

const IN_FLIGHT = 100;
const CALL_TIMEOUT_MS = 30_000;
/** Generous on a shared 2-core machine, and still far below the 30 s timeout. */
const SETTLE_WITHIN_MS = 5_000;

let rpc: FaultRpc;
const reports = new ReportDir();

beforeAll(() => {
  useFaultWorker();
  rpc = createFaultRpc();
});
afterEach(killAllWorkers);
afterAll(async () => {
  await rpc.close();
  reports.remove();
});

interface InFlight {
  readonly worker: Worker;
  readonly file: string;
  /** The primary's calls to the worker, all being served when this resolves. */
  readonly toWorker: Array<Promise<unknown>>;
  /** `stats.aborts` length before the worker's calls arrived. */
  readonly abortsBefore: number;
}

/** Forks a worker and gets 100 calls in flight each way, each one held by a handler that never returns. */
async function hundredCallsEachWay(env: Record<string, string> = {}): Promise<InFlight> {
  const file = reports.file();
  const worker = forkFaultWorker(file, env);
  const servedBefore = stats.byPath.hang ?? 0;
  const abortsBefore = stats.aborts.length;
  await rpc.primary.call(worker, 'fire', { path: 'hang', count: IN_FLIGHT, timeout: CALL_TIMEOUT_MS, batch: 'to-primary' });
  await waitFor('the worker’s 100 calls to reach the primary', () => (stats.byPath.hang ?? 0) - servedBefore === IN_FLIGHT);
  const toWorker = Array.from({ length: IN_FLIGHT }, () =>
    rpc.primary.call(worker, 'hang', undefined, { timeout: CALL_TIMEOUT_MS }),
  );
  await waitFor('the primary’s 100 calls to reach the worker', async () => {
    const seen = await rpc.primary.call(worker, 'probe');
    return seen.byPath.hang === IN_FLIGHT;
  });
  expect(rpc.pendingCount()).toBe(2 * IN_FLIGHT);
  return { worker, file, toWorker, abortsBefore };
}

/** What the primary saw: its own calls' outcomes, and how its handlers serving the worker were aborted. */
async function primaryOutcomes(flight: InFlight, outcomes: Promise<Outcome[]>) {
  const settled = await outcomes;
  await waitFor('the primary’s served calls to be aborted', () => stats.aborts.length - flight.abortsBefore >= IN_FLIGHT, 2_000);
  return {
    codes: tally(settled),
    slowestMs: Math.max(...settled.map((outcome) => outcome.ms)),
    servedAborts: tally(stats.aborts.slice(flight.abortsBefore)),
  };
}

describe.each([
  { fault: 'SIGKILL', exitCheck: (line: Record<string, unknown> | undefined) => expect(line).toBeUndefined() },
  { fault: 'process.exit', exitCheck: (line: Record<string, unknown> | undefined) => expect(line?.code).toBe(3) },
  { fault: 'an uncaught exception', exitCheck: (line: Record<string, unknown> | undefined) => expect(line?.code).toBe(1) },
])('a worker ended by $fault with 100 calls in flight each way', ({ fault, exitCheck }) => {
  it('settles every call with DISCONNECTED at once, aborts every handler serving it once, and leaves nothing pending', async () => {
    const flight = await hundredCallsEachWay();
    const tracked = track(flight.toWorker);
    const gone = exited(flight.worker);
    if (fault === 'SIGKILL') flight.worker.process.kill('SIGKILL');
    else void rpc.primary.call(flight.worker, 'die', fault === 'process.exit' ? 'exit' : 'throw').catch(() => undefined);

    const seen = await primaryOutcomes(flight, tracked.all);
    await gone;
    expect(seen.codes).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(seen.slowestMs).toBeLessThan(SETTLE_WITHIN_MS);
    // Exactly once each: 'disconnect' and 'exit' both arrive, yet no handler is aborted twice.
    expect(seen.servedAborts).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(rpc.pendingCount()).toBe(0);
    expect(tracked.outcomes).toHaveLength(IN_FLIGHT);
    exitCheck(readReport(flight.file).find((line) => line.kind === 'exit'));
    console.log(`[faults] ${fault}: primary→worker ${JSON.stringify(seen.codes)} slowest ${seen.slowestMs} ms`);
  });
});

describe('a worker that closes its channel and lives on, with 100 calls in flight each way', () => {
  it('settles every call on both sides with DISCONNECTED, and later sends on both sides fail at once', async () => {
    const flight = await hundredCallsEachWay({ LINGER_MS: '4000' });
    const tracked = track(flight.toWorker);
    void rpc.primary.call(flight.worker, 'die', 'disconnect').catch(() => undefined);

    const seen = await primaryOutcomes(flight, tracked.all);
    expect(seen.codes).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(seen.slowestMs).toBeLessThan(SETTLE_WITHIN_MS);
    expect(seen.servedAborts).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(rpc.pendingCount()).toBe(0);

    // The worker is alive without a channel: reaching it must fail at once, not at the timeout.
    expect(flight.worker.isDead()).toBe(false);
    const started = Date.now();
    const late = await rpc.primary.call(flight.worker, 'echo', 1, { timeout: CALL_TIMEOUT_MS }).catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'DISCONNECTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    const all = await rpc.primary.callAll('probe', undefined, { timeout: CALL_TIMEOUT_MS });
    expect(all.filter((entry) => entry.status === 'fulfilled')).toEqual([]);

    // The worker's own view, written to its report file since it has no channel left.
    await waitFor('the worker to report its calls and sends', () => {
      const lines = readReport(flight.file);
      return (
        lines.filter((line) => line.kind === 'settled').length === IN_FLIGHT &&
        lines.some((line) => line.what === 'late-call') &&
        lines.some((line) => line.kind === 'disconnected')
      );
    });
    const lines = readReport(flight.file);
    const own = lines.filter((line) => line.kind === 'settled');
    expect(tally(own.map((line) => String(line.code)))).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(new Set(own.map((line) => line.index)).size).toBe(IN_FLIGHT);
    expect(Math.max(...own.map((line) => Number(line.ms)))).toBeLessThan(SETTLE_WITHIN_MS + 2_000);
    const disconnected = lines.find((line) => line.kind === 'disconnected');
    expect(disconnected?.pending).toBe(0);
    expect(disconnected?.aborts).toBe(IN_FLIGHT);
    const sends = Object.fromEntries(lines.filter((line) => line.kind === 'after-disconnect').map((line) => [line.what, line]));
    // Sent while the channel was closing: it may still have crossed, but it must not hang or crash.
    expect(['ok', 'DISCONNECTED']).toContain(sends.call?.outcome);
    expect(['ok', 'DISCONNECTED']).toContain(sends.emit?.outcome);
    expect(sends['late-call']).toMatchObject({ outcome: 'DISCONNECTED' });
    expect(Number(sends['late-call']?.ms)).toBeLessThan(1_000);
    console.log(
      `[faults] channel closed: worker's own calls ${JSON.stringify(tally(own.map((line) => String(line.code))))}, ` +
        `slowest ${Math.max(...own.map((line) => Number(line.ms)))} ms; call/emit while closing: ${sends.call?.outcome}/${sends.emit?.outcome}`,
    );
  });
});
