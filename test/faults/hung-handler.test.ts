/**
 * Handlers that never return: the caller gets TIMEOUT on time, the handler's
 * ctx.signal aborts with TIMEOUT, and neither side keeps anything in its
 * pending table afterwards, in both directions.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, readReport, tally, timedCalls, useFaultWorker } from '../helpers/faults.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { createFaultRpc, type FaultRpc, stats } from './fixtures/router.js';

const TIMEOUT_MS = 300;
const IN_FLIGHT = 100;
/** Timers fire late under load, never early; this bound only rules out "at some much later point". */
const LATE_BY_AT_MOST_MS = 1_500;

let rpc: FaultRpc;
let worker: Worker;
let file: string;
const reports = new ReportDir();

beforeAll(async () => {
  useFaultWorker();
  rpc = createFaultRpc();
  file = reports.file();
  worker = forkFaultWorker(file);
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

describe('a handler that never returns', () => {
  it('primary → worker: 100 calls reject with TIMEOUT on time, the worker’s handlers are aborted, both tables end empty', async () => {
    const outcomes = await timedCalls(IN_FLIGHT, () => rpc.primary.call(worker, 'hang', undefined, { timeout: TIMEOUT_MS }));
    expect(tally(outcomes)).toEqual({ TIMEOUT: IN_FLIGHT });
    const times = outcomes.map((outcome) => Math.round(outcome.ms));
    // Each clock started as its call was issued, so none may stop short of the timeout.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(Math.max(...times)).toBeLessThan(TIMEOUT_MS + LATE_BY_AT_MOST_MS);
    expect(outcomes[0]?.error).toHaveProperty('message', expect.stringContaining(`No answer within ${TIMEOUT_MS} ms`));
    expect(rpc.pendingCount()).toBe(0);

    await waitFor(
      'the worker to see every cancel',
      async () => (await rpc.primary.call(worker, 'probe')).aborts.length >= IN_FLIGHT,
    );
    const seen = await rpc.primary.call(worker, 'probe');
    expect(tally(seen.aborts)).toEqual({ TIMEOUT: IN_FLIGHT });
    expect(seen.pending).toBe(0);
    console.log(
      `[faults] hung handler primary→worker: TIMEOUT after ${Math.min(...times)}–${Math.max(...times)} ms (timeout ${TIMEOUT_MS})`,
    );
  });

  it('worker → primary: 100 calls reject with TIMEOUT on time, the primary’s handlers are aborted, both tables end empty', async () => {
    const abortsBefore = stats.aborts.length;
    await rpc.primary.call(worker, 'fire', { path: 'hang', count: IN_FLIGHT, timeout: TIMEOUT_MS, batch: 'hung' });
    await waitFor(
      'the worker to report every call',
      () => readReport(file).filter((line) => line.batch === 'hung').length >= IN_FLIGHT,
    );
    await sleep(50); // a second settlement of any call would be reported by now
    const lines = readReport(file).filter((line) => line.batch === 'hung');
    expect(tally(lines.map((line) => String(line.code)))).toEqual({ TIMEOUT: IN_FLIGHT });
    const times = lines.map((line) => Number(line.ms));
    // The worker started each call's clock as it issued it (Date.now(), whole milliseconds: hence the 1 ms).
    expect(Math.min(...times)).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    expect(Math.max(...times)).toBeLessThan(TIMEOUT_MS + LATE_BY_AT_MOST_MS);

    await waitFor('the primary to see every cancel', () => stats.aborts.length - abortsBefore >= IN_FLIGHT);
    expect(tally(stats.aborts.slice(abortsBefore))).toEqual({ TIMEOUT: IN_FLIGHT });
    expect(rpc.pendingCount()).toBe(0);
    expect((await rpc.primary.call(worker, 'probe')).pending).toBe(0);
    console.log(
      `[faults] hung handler worker→primary: TIMEOUT after ${Math.min(...times)}–${Math.max(...times)} ms (timeout ${TIMEOUT_MS})`,
    );
  });
});
