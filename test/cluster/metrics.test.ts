/**
 * Metrics over real forked workers: exact counts after a known number of
 * calls and failures; a SIGSTOPped worker during a scrape (a partial result
 * within the deadline, that worker named, its last counts kept) then
 * SIGCONT; a SIGKILLed worker and its replacement (totals do not drop, a
 * restart counted); the Prometheus text read by a real parser, with each
 * worker's prom-client registry aggregated, a dead worker's counters kept
 * and its gauge gone, series labelled by slot.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterMetrics } from '../../src/index.js';
import { exited, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import { parsePrometheus, samplesOf, sampleValue } from '../helpers/prometheus.js';
import { rpc } from './fixtures/metrics-rpc.js';

const SCRAPE_TIMEOUT_MS = 800;

let workers: Worker[] = [];

beforeAll(() => {
  useWorkerScript(new URL('./fixtures/metrics-worker.ts', import.meta.url).pathname);
});
afterAll(async () => {
  for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGCONT');
  await killAllWorkers();
  await rpc.close();
});

/** Calls of `procedure` on `side` in `metrics`' totals: count and failures. */
function total(metrics: ClusterMetrics, procedure: string, side: 'served' | 'made') {
  const entry = metrics.totals.calls.find((call) => call.procedure === procedure && call.side === side);
  return { calls: entry?.calls ?? 0, failures: entry?.failures ?? {} };
}

/** Every counter of `later` is at least what it was in `earlier`. */
function expectNoCounterDropped(earlier: ClusterMetrics, later: ClusterMetrics): void {
  for (const entry of earlier.totals.calls) {
    const after = total(later, entry.procedure, entry.side);
    expect(after.calls, `${entry.procedure} ${entry.side}`).toBeGreaterThanOrEqual(entry.calls);
    for (const [code, count] of Object.entries(entry.failures)) expect(after.failures[code] ?? 0).toBeGreaterThanOrEqual(count);
  }
}

describe('metrics over real workers', () => {
  it('counts calls made and served and failures by code exactly', async () => {
    workers = [fork(), fork()];
    const [one, two] = workers as [Worker, Worker];
    expect(await rpc.primary.call(one, 'drive', { ok: 5, fail: 2 })).toBe(one.process.pid);
    expect(await rpc.primary.call(two, 'drive', { ok: 3, fail: 1 })).toBe(two.process.pid);
    for (let n = 0; n < 4; n++) await rpc.primary.callAll('ping');

    const metrics = await rpc.primary.metrics();
    expect(metrics.missing).toEqual([]);
    expect(metrics.processes.map((process) => [process.workerId, process.pid])).toEqual([
      [0, process.pid],
      [one.id, one.process.pid],
      [two.id, two.process.pid],
    ]);
    expect(total(metrics, 'ok', 'made')).toEqual({ calls: 8, failures: {} });
    expect(total(metrics, 'ok', 'served')).toEqual({ calls: 8, failures: {} });
    expect(total(metrics, 'fail', 'made')).toEqual({ calls: 3, failures: { CONFLICT: 3 } });
    expect(total(metrics, 'fail', 'served')).toEqual({ calls: 3, failures: { CONFLICT: 3 } });
    expect(total(metrics, 'drive', 'made')).toEqual({ calls: 2, failures: {} });
    expect(total(metrics, 'drive', 'served')).toEqual({ calls: 2, failures: {} });
    expect(total(metrics, 'ping', 'made')).toEqual({ calls: 8, failures: {} });
    expect(total(metrics, 'ping', 'served')).toEqual({ calls: 8, failures: {} });
    expect(metrics.totals.workers).toEqual({ joins: 2, exits: 0, restarts: 0 });
    // Worker one's own view: it made the 7 calls it was asked to, and served one drive and four pings.
    const own = metrics.processes[1];
    expect(own?.calls.filter((call) => call.side === 'made').map((call) => [call.procedure, call.calls])).toEqual([
      ['ok', 5],
      ['fail', 2],
    ]);
    expect(own?.calls.find((call) => call.procedure === 'ping')?.calls).toBe(4);
  });

  it('answers within the deadline while a worker is stopped, naming it and keeping its counts; it answers again after SIGCONT', async () => {
    const [one, two] = workers as [Worker, Worker];
    const before = await rpc.primary.metrics();
    process.kill(two.process.pid as number, 'SIGSTOP');
    try {
      const started = Date.now();
      const partial = await rpc.primary.metrics({ timeout: SCRAPE_TIMEOUT_MS });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(SCRAPE_TIMEOUT_MS - 5);
      expect(took).toBeLessThan(SCRAPE_TIMEOUT_MS + 2000);
      expect(partial.missing.map((worker) => [worker.workerId, worker.pid, worker.error.code])).toEqual([
        [two.id, two.process.pid, 'TIMEOUT'],
      ]);
      expect(partial.processes.map((process) => process.workerId)).toEqual([0, one.id]);
      expect(partial.totals).toEqual(before.totals);
      const text = parsePrometheus(await rpc.primary.metrics({ format: 'prometheus', timeout: SCRAPE_TIMEOUT_MS }));
      // Labelled by slot: worker one holds 0, worker two 1.
      expect(sampleValue(text, 'cluster_rpc_process_up', { worker: '1' })).toBe(0);
      expect(sampleValue(text, 'cluster_rpc_process_up', { worker: '0' })).toBe(1);
      expect(sampleValue(text, 'cluster_rpc_calls_total', { procedure: 'ok', side: 'made', code: 'OK' })).toBe(8);
    } finally {
      process.kill(two.process.pid as number, 'SIGCONT');
    }
    const after = await rpc.primary.metrics({ timeout: 5000 });
    expect(after.missing).toEqual([]);
    expect(after.processes.map((process) => process.workerId)).toEqual([0, one.id, two.id]);
    expectNoCounterDropped(before, after);
  });

  it('keeps a SIGKILLed worker counts after its replacement joins, and counts a restart', async () => {
    const [one, two] = workers as [Worker, Worker];
    await rpc.primary.call(one, 'work', { jobs: 7, depth: 3 });
    await rpc.primary.call(two, 'work', { jobs: 2, depth: 5 });
    const before = await rpc.primary.metrics();
    expect(
      sampleValue(parsePrometheus(await rpc.primary.metrics({ format: 'prometheus' })), 'app_jobs_total', { kind: 'a' }),
    ).toBe(9);

    const dead = exited(one);
    one.process.kill('SIGKILL');
    expect(await dead).toMatchObject({ signal: 'SIGKILL' });
    const replacement = fork();
    workers = [two, replacement];
    await rpc.primary.call(replacement, 'work', { jobs: 1, depth: 11 });
    await rpc.primary.call(replacement, 'drive', { ok: 1, fail: 0 });

    const after = await rpc.primary.metrics();
    expectNoCounterDropped(before, after);
    expect(total(after, 'ok', 'made').calls).toBe(total(before, 'ok', 'made').calls + 1);
    expect(after.totals.workers).toEqual({ joins: 3, exits: 1, restarts: 1 });
    expect(after.processes.map((process) => process.workerId)).toEqual([0, two.id, replacement.id]);

    const scrape = parsePrometheus(await rpc.primary.metrics({ format: 'prometheus' }));
    // The dead worker's 7 jobs stay in the counter; its gauge's 3 is gone: the sum reads the live workers.
    expect(sampleValue(scrape, 'app_jobs_total', { kind: 'a' })).toBe(10);
    expect(samplesOf(scrape, 'app_queue_depth').map((sample) => [sample.labels, sample.value])).toEqual([[{}, 5 + 11]]);
    // The replacement took the dead worker's slot.
    expect(samplesOf(scrape, 'cluster_rpc_process_up').map((sample) => [sample.labels.worker, sample.value])).toEqual([
      ['primary', 1],
      ['0', 1],
      ['1', 1],
    ]);
    expect(sampleValue(scrape, 'cluster_rpc_worker_restarts_total')).toBe(1);
    expect(scrape.families.get('app_jobs_total')).toEqual({ help: 'Jobs done.', type: 'COUNTER' });
    expect(scrape.families.get('cluster_rpc_call_duration_seconds')?.type).toBe('HISTOGRAM');
  });
});
