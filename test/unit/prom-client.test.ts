/**
 * `promClientMetrics`' options over the in-process test cluster (every side
 * shares this module, so every worker reports the same registry): a clash
 * with the per-worker label refused when the source is made, series per
 * worker slot that stay as many as the workers across 50 replacements, a
 * metric registered later with a label of that name merged instead of
 * relabelled, and the primary taking part only when asked.
 * test/cluster/prom-client-parity.test.ts compares the default output with
 * prom-client's AggregatorRegistry over real workers.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { defineRouter, procedure } from '../../src/index.js';
import { promClientMetrics } from '../../src/prom-client.js';
import { createTestCluster } from '../../src/testing.js';
import { parsePrometheus, samplesOf } from '../helpers/prometheus.js';

const router = defineRouter({ ping: procedure.handler(() => 'pong') });

const clusters: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

function start(source: ReturnType<typeof promClientMetrics>) {
  const cluster = createTestCluster({ primary: router, worker: router, workers: 3, metrics: { sources: [source] } });
  clusters.push(cluster);
  return cluster;
}

function registryWithRequests(): Registry {
  const registry = new Registry();
  new Counter({ name: 'app_requests_total', help: 'Requests.', labelNames: ['route'], registers: [registry] }).inc(
    { route: '/' },
    2,
  );
  return registry;
}

describe('promClientMetrics', () => {
  it('refuses, when it is made, a per-worker label that a registered metric has of its own', () => {
    const registry = registryWithRequests();
    new Gauge({ name: 'app_queue_depth', help: 'Jobs waiting.', labelNames: ['worker'], registers: [registry] });
    expect(() => promClientMetrics(registry, { perWorker: true })).toThrow(
      "promClientMetrics: app_queue_depth has a label named 'worker' of its own, which perWorker would overwrite; choose another with { workerLabel }",
    );
    expect(promClientMetrics(registry, { perWorker: true, workerLabel: 'process' }).perWorkerLabel).toBe('process');
    // Without perWorker no label is added, so nothing can clash.
    expect(promClientMetrics(registry).perWorkerLabel).toBeUndefined();
    expect(() => promClientMetrics(registry, { perWorker: true, workerLabel: 'le' })).toThrow(/workerLabel must be/);
    expect(() => promClientMetrics(registry, { workerLabel: '__slot' })).toThrow(/workerLabel must be/);
    expect(() => promClientMetrics({} as Registry)).toThrow(TypeError);
  });

  it('keeps one series per worker slot, as many as the workers across 50 replacements', async () => {
    const registry = registryWithRequests();
    const cluster = start(promClientMetrics(registry, { perWorker: true }));
    const scrape = async () => parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    const first = await scrape();
    expect(samplesOf(first, 'app_requests_total').map(({ labels, value }) => [labels, value])).toEqual([
      [{ route: '/', worker: '0' }, 2],
      [{ route: '/', worker: '1' }, 2],
      [{ route: '/', worker: '2' }, 2],
    ]);
    // Registered after the source was made, with the label of its own: merged across workers, never relabelled.
    new Gauge({ name: 'app_queue_depth', help: 'Jobs waiting.', labelNames: ['worker'], registers: [registry] }).set(
      { worker: 'mailer' },
      7,
    );
    const withClash = await scrape();
    expect(samplesOf(withClash, 'app_queue_depth').map(({ labels, value }) => [labels, value])).toEqual([
      [{ worker: 'mailer' }, 21],
    ]);
    const lines = withClash.samples.length;
    for (let respawn = 0; respawn < 50; respawn++) {
      const [victim] = cluster.primary.workers();
      cluster.kill(victim?.workerId ?? 0);
      cluster.fork();
      const after = await scrape();
      expect(new Set(samplesOf(after, 'app_requests_total').map(({ labels }) => labels.worker))).toEqual(
        new Set(['0', '1', '2']),
      );
      expect(after.samples.length).toBe(lines);
    }
    expect(Math.max(...cluster.primary.workers().map((worker) => worker.workerId))).toBe(53);
  });

  it('leaves the primary out unless asked, and then counts it as one more process', async () => {
    const registry = registryWithRequests();
    const without = parsePrometheus(await start(promClientMetrics(registry)).primary.metrics({ format: 'prometheus' }));
    expect(samplesOf(without, 'app_requests_total').map(({ value }) => value)).toEqual([6]);
    const withPrimary = start(promClientMetrics(registry, { primary: true }));
    const text = parsePrometheus(await withPrimary.primary.metrics({ format: 'prometheus' }));
    expect(samplesOf(text, 'app_requests_total').map(({ value }) => value)).toEqual([8]);
    const perWorker = start(promClientMetrics(registry, { primary: true, perWorker: true, workerLabel: 'process' }));
    const split = parsePrometheus(await perWorker.primary.metrics({ format: 'prometheus' }));
    expect(samplesOf(split, 'app_requests_total').map(({ labels }) => labels.process)).toEqual(['primary', '0', '1', '2']);
  });
});
