/**
 * The primary's bookkeeping of reports across gathers, on its own: overlapping
 * gathers never make a counter go backwards or count a process twice; a
 * replaced process's counts are folded in once. The reports are those a
 * worker would send; the channel is not what is under test here (see
 * test/cluster/metrics.test.ts for real workers).
 */
import { describe, expect, it } from 'vitest';
import { MetricsGatherer } from '../../src/metrics/gather.js';
import { prometheusText } from '../../src/metrics/prometheus.js';
import type { CountsSnapshot } from '../../src/metrics/recorder.js';
import { renderFamilies } from '../../src/metrics/rendered.js';
import type { ProcessReport } from '../../src/metrics/report.js';
import { LATENCY_BUCKETS_SECONDS } from '../../src/metrics/types.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';

function counts(calls: number): CountsSnapshot {
  const latency = { counts: [calls, ...new Array<number>(LATENCY_BUCKETS_SECONDS.length).fill(0)], sumSeconds: 0 };
  return {
    calls: [{ procedure: 'work', side: 'served', calls, failures: {}, latency }],
    inFlight: [],
    streams: [],
    openStreams: [],
    events: [],
    workers: { joins: 0, exits: 0, restarts: 0 },
  };
}

function report(instance: string, seq: number, calls: number, workerId = 1): ProcessReport {
  return { instance, seq, workerId, pid: 100 + workerId, counts: counts(calls), sources: {} };
}

/** A primary with no calls of its own, whose workers answer with what each test hands them. */
function gatherer(workers: () => Array<{ workerId: number; answer: () => Promise<unknown> }>) {
  let ownSeq = 0;
  return new MetricsGatherer({
    ownReport: async () => ({ instance: 'primary', seq: ++ownSeq, workerId: 0, pid: 1, counts: null, sources: {} }),
    workers: () => workers().map(({ workerId, answer }) => ({ workerId, pid: 100 + workerId, report: () => answer() })),
  });
}

const served = (gathered: Awaited<ReturnType<MetricsGatherer['gather']>>) =>
  gathered.metrics.totals.calls.find((entry) => entry.procedure === 'work')?.calls ?? 0;

describe('MetricsGatherer', () => {
  it('keeps the newer report when an older gather finishes last', async () => {
    let releaseSlow: (value: unknown) => void = () => undefined;
    const answers = [
      () => new Promise((resolve) => (releaseSlow = resolve)), // gather A: answers late, with older counts
      () => Promise.resolve(report('w1', 2, 20)), // gather B
    ];
    let asked = 0;
    const primary = gatherer(() => [{ workerId: 1, answer: answers[asked++] ?? (() => Promise.resolve(report('w1', 3, 20))) }]);
    const first = primary.gather(1000);
    expect(served(await primary.gather(1000))).toBe(20);
    releaseSlow(report('w1', 1, 10));
    expect(served(await first)).toBe(20);
    expect(served(await primary.gather(1000))).toBe(20);
  });

  it('counts a replaced process once, and never again from a late answer of it', async () => {
    let current: () => Promise<unknown> = () => Promise.resolve(report('old', 1, 7));
    const primary = gatherer(() => [{ workerId: 1, answer: () => current() }]);
    expect(served(await primary.gather(1000))).toBe(7);
    // The same worker id now answers from a new process.
    current = () => Promise.resolve(report('new', 1, 2));
    expect(served(await primary.gather(1000))).toBe(9);
    // A late answer from the old process changes nothing.
    current = () => Promise.resolve(report('old', 2, 8));
    expect(served(await primary.gather(1000))).toBe(9);
  });

  it('folds a worker that is no longer live into the totals once, and names workers that fail to answer', async () => {
    let live = [1, 2];
    const primary = gatherer(() =>
      live.map((workerId) => ({
        workerId,
        answer: () =>
          workerId === 2 && live.length === 1
            ? Promise.reject(new Error('not reached'))
            : Promise.resolve(report(`w${workerId}`, Date.now(), workerId * 5, workerId)),
      })),
    );
    expect(served(await primary.gather(1000))).toBe(15);
    live = [2];
    const gathered = await primary.gather(1000);
    expect(gathered.metrics.missing.map((worker) => [worker.workerId, worker.error.code])).toEqual([[2, 'INTERNAL_ERROR']]);
    expect(served(gathered)).toBe(15); // worker 1 retired with 5, worker 2's last 10 kept
    live = [];
    expect(served(await primary.gather(1000))).toBe(15);
  });

  it('treats a malformed answer as missing', async () => {
    const primary = gatherer(() => [{ workerId: 1, answer: () => Promise.resolve({ instance: 'x' }) }]);
    const gathered = await primary.gather(1000);
    expect(gathered.metrics.missing.map((worker) => worker.error.code)).toEqual(['UNSERIALIZABLE']);
    expect(gathered.metrics.processes.map((process) => process.workerId)).toEqual([0]);
  });

  it("counts a worker that did not answer with its last counters but leaves its gauges out, and keeps a gone worker's summed counters only", async () => {
    const sources = (jobs: number, depth: number) => ({
      app: renderFamilies([
        { name: 'jobs_total', help: 'Jobs.', type: 'counter', samples: [{ name: 'jobs_total', labels: {}, value: jobs }] },
        { name: 'depth', help: 'Depth.', type: 'gauge', samples: [{ name: 'depth', labels: {}, value: depth }] },
        {
          name: 'peak_total',
          help: 'A counter taken at its maximum.',
          type: 'counter',
          aggregator: 'max',
          samples: [{ name: 'peak_total', labels: {}, value: jobs }],
        },
      ]),
    });
    let seq = 0;
    const answer = (workerId: number, jobs: number, depth: number) => () =>
      Promise.resolve({ ...report(`w${workerId}`, ++seq, 0, workerId), sources: sources(jobs, depth) });
    const one = { workerId: 1, answer: answer(1, 5, 2) };
    let workers = [one, { workerId: 2, answer: answer(2, 7, 3) }];
    const primary = gatherer(() => workers);
    const text = async () => parsePrometheus(prometheusText(await primary.gather(1000), []));
    let scrape = await text();
    expect([sampleValue(scrape, 'jobs_total'), sampleValue(scrape, 'depth'), sampleValue(scrape, 'peak_total')]).toEqual([
      12, 5, 7,
    ]);
    // Worker 2 does not answer: its last counters count, its gauge is no reading.
    workers = [one, { workerId: 2, answer: () => Promise.reject(new Error('silent')) }];
    scrape = await text();
    expect([sampleValue(scrape, 'jobs_total'), sampleValue(scrape, 'depth'), sampleValue(scrape, 'peak_total')]).toEqual([
      12, 2, 7,
    ]);
    // Worker 2 is gone: its 7 stay in the sum, not in the maximum.
    workers = [one];
    scrape = await text();
    expect([sampleValue(scrape, 'jobs_total'), sampleValue(scrape, 'depth'), sampleValue(scrape, 'peak_total')]).toEqual([
      12, 2, 5,
    ]);
  });
});
