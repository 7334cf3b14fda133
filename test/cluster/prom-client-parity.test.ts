/**
 * `cluster-rpc/prom-client` against prom-client's own `AggregatorRegistry`,
 * on the same 3 forked workers and the same registries: our own versions of
 * prom-client's cluster aggregation scenarios (counters, a gauge per
 * aggregator, histograms, summaries, labels, metrics on some workers only,
 * `collectDefaultMetrics`), both scrapes parsed by a real parser and compared
 * series by series. Where the two differ on purpose (NaN and +Inf kept, a
 * deterministic `first`, counters that do not go backwards when a worker
 * dies), the difference itself is asserted.
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import { parsePrometheus, type Sample, type Scrape, samplesOf } from '../helpers/prometheus.js';
import { rpc } from './fixtures/parity-rpc.js';
import { AGGREGATORS, gaugeValue, labelledGaugeValue } from './fixtures/parity-scenarios.js';

/** Families whose difference from AggregatorRegistry is asserted on its own, not compared. */
const DIFFERENT_ON_PURPOSE = new Set(['parity_first_differs', 'parity_nan', 'parity_inf']);

const aggregator = new AggregatorRegistry();
let workers: Worker[] = [];

function forkIndexed(index: number): Worker {
  return fork({ PARITY_INDEX: String(index) });
}

async function scrapes(): Promise<{ ours: Scrape; theirs: Scrape }> {
  const [ours, theirs] = await Promise.all([rpc.primary.metrics({ format: 'prometheus' }), aggregator.clusterMetrics()]);
  return { ours: parsePrometheus(ours), theirs: parsePrometheus(theirs) };
}

/** The family a sample belongs to, among `families`. */
function familyOf(scrape: Scrape, sample: Sample): string {
  if (scrape.families.has(sample.name)) return sample.name;
  return sample.name.replace(/_(bucket|sum|count)$/, '');
}

/** Every sample of the users' families, by name and sorted labels. */
function seriesOf(scrape: Scrape, compared: (family: string) => boolean): Map<string, number> {
  const series = new Map<string, number>();
  for (const sample of scrape.samples) {
    if (!compared(familyOf(scrape, sample))) continue;
    const labels = Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b));
    series.set(`${sample.name}${JSON.stringify(labels)}`, sample.value);
  }
  return series;
}

/** The value of the sample named `name` with exactly these labels; undefined if there is none. */
function sampleValue(scrape: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  const found = samplesOf(scrape, name, labels).filter(
    (sample) => JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => a.localeCompare(b))) === wanted,
  );
  if (found.length > 1) throw new Error(`${name} ${wanted} appears ${found.length} times`);
  return found[0]?.value;
}

/** Equal, up to the rounding of summing floating-point readings in another order. */
function same(ours: number, theirs: number): boolean {
  if (Number.isNaN(ours) || Number.isNaN(theirs)) return Number.isNaN(ours) && Number.isNaN(theirs);
  return ours === theirs || Math.abs(ours - theirs) <= 1e-9 * Math.max(Math.abs(ours), Math.abs(theirs));
}

const compared = (family: string): boolean => !family.startsWith('cluster_rpc_') && !DIFFERENT_ON_PURPOSE.has(family);

beforeAll(async () => {
  useWorkerScript(new URL('./fixtures/parity-worker.ts', import.meta.url).pathname);
  workers = [0, 1, 2].map(forkIndexed);
  expect(await Promise.all(workers.map((worker) => rpc.primary.call(worker, 'ready')))).toEqual([0, 1, 2]);
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
});

describe("promClientMetrics against prom-client's AggregatorRegistry on 3 workers", () => {
  it('gives the same families, label sets and values', async () => {
    const { ours, theirs } = await scrapes();
    const mine = seriesOf(ours, compared);
    const reference = seriesOf(theirs, compared);
    // Not a vacuous comparison: every scenario is there, default metrics included.
    expect(reference.size).toBeGreaterThan(80);
    expect([...theirs.families.keys()].filter((name) => name.startsWith('nodejs_')).length).toBeGreaterThan(15);

    expect([...mine.keys()].sort()).toEqual([...reference.keys()].sort());
    const differing = [...reference].filter(([key, value]) => {
      const value2 = mine.get(key) as number;
      // NaN and ±Inf stay what they are: prom-client's JSON makes them null, which sums as 0.
      if (!Number.isFinite(value2) && Number.isFinite(value)) return false;
      return !same(value2, value);
    });
    expect(differing.map(([key, value]) => `${key}: ours ${mine.get(key)}, prom-client ${value}`)).toEqual([]);
    // Each family with samples has the same help and type (prom-client also writes the headers of families without any).
    const withSamples = new Set(theirs.samples.map((sample) => familyOf(theirs, sample)));
    for (const [name, family] of theirs.families) {
      if (compared(name) && withSamples.has(name)) expect(ours.families.get(name), name).toEqual(family);
    }
    expect([...ours.families.keys()].filter((name) => compared(name) && !theirs.families.has(name))).toEqual([]);
  });

  it('honours each aggregator, keeps the application its own worker label, and leaves the primary out', async () => {
    const { ours } = await scrapes();
    const values = [0, 1, 2].map(gaugeValue);
    const labelled = [0, 1, 2].map(labelledGaugeValue);
    const sum = (list: readonly number[]): number => list.reduce((a, b) => a + b, 0);
    const expected: Record<string, readonly [number, number] | undefined> = {
      sum: [sum(values), sum(labelled)],
      first: [3, 4],
      min: [Math.min(...values), Math.min(...labelled)],
      max: [Math.max(...values), Math.max(...labelled)],
      average: [sum(values) / 3, sum(labelled) / 3],
      omit: undefined,
    };
    for (const name of AGGREGATORS) {
      const got = [sampleValue(ours, `parity_gauge_${name}`), sampleValue(ours, `parity_gauge_${name}`, { pool: 'db' })];
      expect(got, name).toEqual(expected[name] ?? [undefined, undefined]);
    }
    expect(samplesOf(ours, 'app_queue_depth').map(({ labels, value }) => [labels, value])).toEqual([
      [{ worker: 'mailer' }, 21],
      [{ worker: 'image-resizer' }, 15],
    ]);
    expect(sampleValue(ours, 'parity_only_in_one')).toBe(9);
    expect(sampleValue(ours, 'parity_jobs_total', { kind: 'rare', code: '200' })).toBe(1);
    expect(samplesOf(ours, 'process_start_time_seconds')).toEqual([]);
    expect(samplesOf(ours, 'parity_primary_only')).toEqual([]);
  });

  it("keeps NaN and +Inf and takes a deterministic first where prom-client's JSON and arrival order do not", async () => {
    const { ours, theirs } = await scrapes();
    expect(sampleValue(ours, 'parity_nan')).toBeNaN();
    expect(sampleValue(theirs, 'parity_nan')).toBe(2); // NaN arrived as null, summed as 0
    expect(sampleValue(ours, 'parity_inf')).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(theirs, 'parity_inf')).toBe(2);
    // first: the worker in slot 0 for cluster-rpc; for prom-client whichever answered first.
    expect(sampleValue(ours, 'parity_first_differs')).toBe(100);
    expect([100, 101, 102]).toContain(sampleValue(theirs, 'parity_first_differs'));
  });

  it('keeps what a killed worker counted where prom-client goes backwards, and gives its replacement the same slot', async () => {
    const before = await scrapes();
    const victim = workers[2] as Worker;
    const gone = exited(victim);
    victim.process.kill('SIGKILL');
    await gone;
    const after = await scrapes();
    const cumulative = [
      ['parity_requests_total', {}],
      ['parity_jobs_total', { kind: 'rare', code: '200' }],
      ['parity_latency_seconds_count', { route: '/' }],
      ['parity_latency_seconds_bucket', { route: '/', le: '0.125' }],
      ['parity_payload_bytes_count', { kind: 'json' }],
      ['parity_payload_bytes_sum', { kind: 'json' }],
    ] as const;
    for (const [name, labels] of cumulative) {
      const was = sampleValue(before.ours, name, labels) as number;
      expect(sampleValue(before.theirs, name, labels), name).toBe(was);
      expect(sampleValue(after.ours, name, labels), name).toBe(was);
      // prom-client forgets the dead worker's counts: the counter goes backwards, or vanishes.
      expect(sampleValue(after.theirs, name, labels) ?? 0, name).toBeLessThan(was);
    }
    // Gauges read the live workers in both.
    expect(sampleValue(after.ours, 'parity_gauge_sum')).toBe(gaugeValue(0) + gaugeValue(1));
    expect(sampleValue(after.theirs, 'parity_gauge_sum')).toBe(gaugeValue(0) + gaugeValue(1));

    const replacement = forkIndexed(3);
    workers = [workers[0] as Worker, workers[1] as Worker, replacement];
    expect(await rpc.primary.call(replacement, 'ready')).toBe(3);
    const { ours } = await scrapes();
    expect(sampleValue(ours, 'parity_requests_total')).toBe(1 + 2 + 3 + 4);
    expect(samplesOf(ours, 'cluster_rpc_process_up').map(({ labels, value }) => [labels.worker, value])).toEqual([
      ['primary', 1],
      ['0', 1],
      ['1', 1],
      ['2', 1],
    ]);
  });
});
