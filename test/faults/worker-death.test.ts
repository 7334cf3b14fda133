/**
 * A worker that dies (SIGKILL, process.exit, an uncaught exception) or loses
 * its channel while 100 calls are in flight each way: every call settles with
 * DISCONNECTED within seconds (the timeout is 30 s), once, and both pending
 * tables end empty.
 */
import type { Worker } from 'node:cluster';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exited, isAlive, killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, type Outcome, ReportDir, readReport, tally, track, useFaultWorker } from '../helpers/faults.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { codeOf, createFaultRpc, type FaultRpc, stats } from './fixtures/router.js';
import { countSettlements, type Settlement } from './fixtures/settlements.js';

const IN_FLIGHT = 100;
const CALL_TIMEOUT_MS = 30_000;
/** Generous on a shared 2-core machine, and still far below the 30 s timeout. */
const SETTLE_WITHIN_MS = 5_000;
/** How long the worker that closes its channel lives on without it. */
const LINGER_MS = 4_000;

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
  /** Per call to the worker, every time its promise was settled: a second settlement would show here. */
  readonly settlements: Settlement[][];
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
  const settlements: Settlement[][] = [];
  const toWorker = Array.from({ length: IN_FLIGHT }, (_, index) => {
    const seen: Settlement[] = [];
    settlements[index] = seen;
    return countSettlements(
      () => rpc.primary.call(worker, 'hang', undefined, { timeout: CALL_TIMEOUT_MS }),
      (settlement) => seen.push(settlement),
    );
  });
  await waitFor('the primary’s 100 calls to reach the worker', async () => {
    const seen = await rpc.primary.call(worker, 'probe');
    return seen.byPath.hang === IN_FLIGHT;
  });
  expect(rpc.pendingCount()).toBe(2 * IN_FLIGHT);
  return { worker, file, toWorker, settlements, abortsBefore };
}

/** The code a settlement carries: `'ok'` for a value. */
function settledWith(settlement: Settlement): string {
  return settlement.how === 'resolve' ? 'ok' : codeOf(settlement.reason);
}

/**
 * What the primary saw once both 'disconnect' and 'exit' have come and gone:
 * how many times each of its calls to the worker was settled and with what,
 * and how often its handlers serving the worker saw their signal abort.
 */
async function primaryOutcomes(flight: InFlight, outcomes: Promise<Outcome[]>, exit: Promise<unknown>) {
  const settled = await outcomes;
  await exit;
  await sleep(100); // anything a late 'exit' (or a timer it started) would settle or abort a second time
  return {
    codes: tally(settled),
    slowestMs: Math.max(...settled.map((outcome) => outcome.ms)),
    settlements: tally(flight.settlements.flat().map(settledWith)),
    settledOtherThanOnce: flight.settlements.flatMap((list, index) => (list.length === 1 ? [] : [{ index, times: list.length }])),
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

    const seen = await primaryOutcomes(flight, tracked.all, gone);
    expect(seen.codes).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(seen.slowestMs).toBeLessThan(SETTLE_WITHIN_MS);
    // Exactly once each: 'disconnect' and 'exit' both arrived, yet no call is settled twice and no handler aborted twice.
    expect(seen.settledOtherThanOnce).toEqual([]);
    expect(seen.settlements).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(seen.servedAborts).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(rpc.pendingCount()).toBe(0);
    exitCheck(readReport(flight.file).find((line) => line.kind === 'exit'));
    console.log(`[faults] ${fault}: primary→worker ${JSON.stringify(seen.codes)} slowest ${seen.slowestMs} ms`);
  });
});

describe('a worker that closes its channel and lives on, with 100 calls in flight each way', () => {
  it('settles every call on both sides with DISCONNECTED once, and later sends on both sides fail at once', async () => {
    // A second, healthy worker, so callAll has an entry to get right.
    const healthy = forkFaultWorker(reports.file());
    await rpc.primary.call(healthy, 'probe');
    const flight = await hundredCallsEachWay({ LINGER_MS: String(LINGER_MS) });
    const pid = flight.worker.process.pid ?? 0;
    const tracked = track(flight.toWorker);
    const disconnected = once(flight.worker, 'disconnect');
    void rpc.primary.call(flight.worker, 'die', 'disconnect').catch(() => undefined);

    await disconnected;
    const lingering = Date.now();
    expect((await tracked.all).map((outcome) => outcome.code)).toEqual(flight.toWorker.map(() => 'DISCONNECTED'));
    expect(Math.max(...tracked.outcomes.map((outcome) => outcome.ms))).toBeLessThan(SETTLE_WITHIN_MS);
    expect(rpc.pendingCount()).toBe(0);

    // The worker is alive without a channel: reaching it must fail at once, not at the timeout or its exit.
    const started = Date.now();
    const late = await rpc.primary.call(flight.worker, 'echo', 1, { timeout: CALL_TIMEOUT_MS }).catch((error: unknown) => error);
    expect(late).toMatchObject({ code: 'DISCONNECTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    // callAll covers the workers that can be reached: the healthy one answers, the lingering one is not waited for.
    const allStarted = Date.now();
    const all = await rpc.primary.callAll('echo', 'all', { timeout: CALL_TIMEOUT_MS });
    const allMs = Date.now() - allStarted;
    expect(all).toEqual([{ workerId: healthy.id, status: 'fulfilled', value: 'all' }]);
    expect(allMs).toBeLessThan(1_000);
    // All of the above happened while the worker lived on, well before its exit.
    expect(Date.now() - lingering).toBeLessThan(LINGER_MS - 1_000);
    expect(flight.worker.isDead()).toBe(false);
    expect(isAlive(pid)).toBe(true);

    // The worker's own view, written to its report file since it has no channel left.
    await waitFor('the worker to report its calls and sends', () => {
      const lines = readReport(flight.file);
      return (
        lines.filter((line) => line.kind === 'settled').length >= IN_FLIGHT &&
        lines.some((line) => line.what === 'late-call') &&
        lines.some((line) => line.kind === 'disconnected')
      );
    });

    // Its exit is the second end of its channel the primary hears of: nothing may settle or abort a second time.
    const seen = await primaryOutcomes(flight, tracked.all, exited(flight.worker));
    expect(seen.settledOtherThanOnce).toEqual([]);
    expect(seen.settlements).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(seen.servedAborts).toEqual({ DISCONNECTED: IN_FLIGHT });

    const lines = readReport(flight.file);
    const own = lines.filter((line) => line.kind === 'settled');
    expect(tally(own.map((line) => String(line.code)))).toEqual({ DISCONNECTED: IN_FLIGHT });
    expect(new Set(own.map((line) => line.index)).size).toBe(IN_FLIGHT);
    expect(Math.max(...own.map((line) => Number(line.ms)))).toBeLessThan(SETTLE_WITHIN_MS + 2_000);
    const disconnectedLine = lines.find((line) => line.kind === 'disconnected');
    expect(disconnectedLine?.pending).toBe(0);
    expect(disconnectedLine?.aborts).toBe(IN_FLIGHT);
    expect(lines.find((line) => line.kind === 'exit')).toMatchObject({ code: 0, pending: 0 });
    expect(lines.find((line) => line.kind === 'exit')?.aborts).toEqual(Array.from({ length: IN_FLIGHT }, () => 'DISCONNECTED'));
    const sends = Object.fromEntries(lines.filter((line) => line.kind === 'after-disconnect').map((line) => [line.what, line]));
    // Sent while the channel was closing: it may still have crossed, but it must not hang or crash.
    expect(['ok', 'DISCONNECTED']).toContain(sends.call?.outcome);
    expect(['ok', 'DISCONNECTED']).toContain(sends.emit?.outcome);
    expect(sends['late-call']).toMatchObject({ outcome: 'DISCONNECTED' });
    expect(Number(sends['late-call']?.ms)).toBeLessThan(1_000);
    console.log(
      `[faults] channel closed: worker's own calls ${JSON.stringify(tally(own.map((line) => String(line.code))))}, ` +
        `slowest ${Math.max(...own.map((line) => Number(line.ms)))} ms; call/emit while closing: ${sends.call?.outcome}/${sends.emit?.outcome}; ` +
        `callAll returned in ${allMs} ms`,
    );
  });
});
