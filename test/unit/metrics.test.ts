/**
 * Metrics over the in-process test cluster (the same call path, counters and
 * gather as real processes): exact counts, totals that survive a killed
 * worker, calls in flight per process (and summed in the text), sources
 * merged or per worker slot, the Prometheus text read back by a real parser.
 * test/cluster/metrics.test.ts does the same over forked workers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEvents, defineRouter, LATENCY_BUCKETS_SECONDS, type MetricsSource, procedure, RpcError } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';
import type { ProcessMetrics } from '../../src/types.js';
import { parsePrometheus, samplesOf, sampleValue } from '../helpers/prometheus.js';

const primaryRouter = defineRouter({
  ok: procedure.input(z.number()).handler(({ input }) => input + 1),
  fail: procedure.handler(() => {
    throw new RpcError('CONFLICT', 'Taken');
  }),
  slow: procedure.handler(({ ctx }) => new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))),
  count: procedure.input(z.number()).stream(async function* ({ input }) {
    for (let n = 0; n < input; n++) yield n;
  }),
  broken: procedure.stream(async function* () {
    yield 1;
    throw new RpcError('BROKEN', 'Broke after one');
  }),
  endless: procedure.stream(async function* () {
    for (let n = 0; ; n++) yield n;
  }),
});
const workerRouter = defineRouter({ ping: procedure.handler(() => 'pong') });
const events = defineEvents({ note: z.string() });

const clusters: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

function start(options: { metrics?: boolean | { sources: MetricsSource[] }; workers?: number } = {}) {
  const cluster = createTestCluster({
    primary: primaryRouter,
    worker: workerRouter,
    events,
    workers: options.workers ?? 2,
    metrics: options.metrics ?? true,
  });
  clusters.push(cluster);
  return cluster;
}

describe('metrics over the test cluster', () => {
  it('counts calls made and served, failures by code, events and workers exactly', async () => {
    const cluster = start();
    const [one, two] = [cluster.workers[0], cluster.workers[1]];
    for (let n = 0; n < 5; n++) await one?.call('ok', n);
    await expect(one?.call('fail')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(two?.call('fail')).rejects.toMatchObject({ code: 'CONFLICT' });
    // @ts-expect-error a string is not the input
    await expect(two?.call('ok', 'x')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(two?.call('slow', undefined, { timeout: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await one?.emit('note', 'a');
    await cluster.primary.broadcast('note', 'b');
    // Each answer comes after what the worker sent before it: the event has arrived when the pings are answered.
    for (let n = 0; n < 3; n++) await cluster.primary.callAll('ping');

    const { processes, missing, totals } = await cluster.primary.metrics();
    expect(missing).toEqual([]);
    expect(processes.map((process) => process.workerId)).toEqual([0, 1, 2]);
    const entry = (procedure: string, side: 'served' | 'made') =>
      totals.calls.find((call) => call.procedure === procedure && call.side === side);
    expect(entry('ok', 'made')).toMatchObject({ calls: 6, failures: { BAD_REQUEST: 1 } });
    expect(entry('ok', 'served')).toMatchObject({ calls: 6, failures: { BAD_REQUEST: 1 } });
    expect(entry('fail', 'made')).toMatchObject({ calls: 2, failures: { CONFLICT: 2 } });
    expect(entry('fail', 'served')).toMatchObject({ calls: 2, failures: { CONFLICT: 2 } });
    expect(entry('slow', 'made')).toMatchObject({ calls: 1, failures: { TIMEOUT: 1 } });
    expect(entry('slow', 'served')).toMatchObject({ calls: 1, failures: { TIMEOUT: 1 } });
    expect(entry('ping', 'made')).toMatchObject({ calls: 6, failures: {} });
    expect(entry('ping', 'served')).toMatchObject({ calls: 6, failures: {} });
    for (const call of totals.calls) expect(call.latency.counts.reduce((a, b) => a + b, 0)).toBe(call.calls);
    // The gathers themselves are not counted.
    expect(totals.calls.map((call) => call.procedure).sort()).toEqual([
      'fail',
      'fail',
      'ok',
      'ok',
      'ping',
      'ping',
      'slow',
      'slow',
    ]);
    // Sent once each; the primary received worker 1's, the two workers the primary's broadcast.
    expect(totals.events).toEqual([{ event: 'note', sent: 2, received: 3 }]);
    expect(totals.workers).toEqual({ joins: 2, exits: 0, restarts: 0 });
    // Per process: worker 1 made 6 calls, served 3 pings.
    const workerOne = processes[1];
    expect(workerOne?.calls.find((call) => call.procedure === 'ok')).toMatchObject({ side: 'made', calls: 5 });
    expect(workerOne?.calls.find((call) => call.procedure === 'ping')).toMatchObject({ side: 'served', calls: 3 });
  });

  it('reports calls in flight per process, and in the text one series per procedure and side, summed', async () => {
    const cluster = start();
    const controller = new AbortController();
    const waiting = [
      cluster.workers[0]?.call('slow', undefined, { signal: controller.signal }),
      cluster.workers[0]?.call('slow', undefined, { signal: controller.signal }),
      cluster.workers[1]?.call('slow', undefined, { signal: controller.signal }),
    ].map((call) => call?.catch(() => undefined));
    const inFlight = (processes: readonly ProcessMetrics[], workerId: number, side: 'served' | 'made') =>
      processes
        .find((process) => process.workerId === workerId)
        ?.inFlight.find((gauge) => gauge.procedure === 'slow' && gauge.side === side)?.calls;
    // Once the three calls have reached the primary.
    await expect.poll(async () => inFlight((await cluster.primary.metrics()).processes, 0, 'served'), { interval: 5 }).toBe(3);
    const { processes } = await cluster.primary.metrics();
    expect([inFlight(processes, 0, 'served'), inFlight(processes, 1, 'made'), inFlight(processes, 2, 'made')]).toEqual([3, 2, 1]);
    // Only what is under way: the pings of other tests' kind never show up as zeros per process.
    expect(processes.map((process) => process.inFlight.length)).toEqual([1, 1, 1]);
    const text = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    const inFlightSeries = (scrape: ReturnType<typeof parsePrometheus>) =>
      samplesOf(scrape, 'cluster_rpc_calls_in_flight')
        .map(({ labels, value }) => [labels, value])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(inFlightSeries(text)).toEqual([
      [{ procedure: 'slow', side: 'made' }, 3],
      [{ procedure: 'slow', side: 'served' }, 3],
    ]);
    controller.abort();
    await Promise.all(waiting);
    await cluster.primary.callAll('ping');
    // Once they ended: one zero per procedure and side that was called, none per process.
    const after = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    expect(inFlightSeries(after)).toEqual([
      [{ procedure: 'ping', side: 'made' }, 0],
      [{ procedure: 'ping', side: 'served' }, 0],
      [{ procedure: 'slow', side: 'made' }, 0],
      [{ procedure: 'slow', side: 'served' }, 0],
    ]);
  });

  it('keeps the counts of a killed worker, and counts its replacement as a restart', async () => {
    const cluster = start();
    for (let n = 0; n < 4; n++) await cluster.workers[1]?.call('ok', n);
    const before = await cluster.primary.metrics();
    cluster.kill(2);
    const replacement = cluster.fork();
    await replacement.call('ok', 1);
    const after = await cluster.primary.metrics();
    const made = (metrics: typeof before) =>
      metrics.totals.calls.find((call) => call.procedure === 'ok' && call.side === 'made')?.calls;
    expect(made(before)).toBe(4);
    expect(made(after)).toBe(5);
    expect(after.totals.workers).toEqual({ joins: 3, exits: 1, restarts: 1 });
    expect(after.processes.map((process) => process.workerId)).toEqual([0, 1, 3]);
    // Once more: the retired worker is counted once, not again at each gather.
    expect(made(await cluster.primary.metrics())).toBe(5);
  });

  it('writes Prometheus text that a real parser reads back with the same numbers', async () => {
    const cluster = start();
    for (let n = 0; n < 3; n++) await cluster.workers[0]?.call('ok', n);
    await expect(cluster.workers[0]?.call('fail')).rejects.toThrow();
    const text = await cluster.primary.metrics({ format: 'prometheus' });
    const scrape = parsePrometheus(text);
    expect(scrape.families.get('cluster_rpc_calls_total')?.type).toBe('COUNTER');
    expect(sampleValue(scrape, 'cluster_rpc_calls_total', { procedure: 'ok', side: 'made', code: 'OK' })).toBe(3);
    expect(sampleValue(scrape, 'cluster_rpc_calls_total', { procedure: 'fail', side: 'served', code: 'CONFLICT' })).toBe(1);
    expect(scrape.families.get('cluster_rpc_call_duration_seconds')?.type).toBe('HISTOGRAM');
    const served = { procedure: 'ok', side: 'served' };
    expect(sampleValue(scrape, 'cluster_rpc_call_duration_seconds_count', served)).toBe(3);
    expect(sampleValue(scrape, 'cluster_rpc_call_duration_seconds_sum', served)).toBeGreaterThan(0);
    const buckets = samplesOf(scrape, 'cluster_rpc_call_duration_seconds_bucket', served);
    expect(buckets.map((bucket) => bucket.labels.le)).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf']);
    expect(buckets.at(-1)?.value).toBe(3);
    // Cumulative: never decreasing.
    expect(buckets.map((bucket) => bucket.value)).toEqual(buckets.map((bucket) => bucket.value).sort((a, b) => a - b));
    expect(sampleValue(scrape, 'cluster_rpc_worker_joins_total')).toBe(2);
    // Labelled by slot: 0 and 1 for two workers.
    expect(samplesOf(scrape, 'cluster_rpc_process_up').map(({ labels, value }) => [labels.worker, value])).toEqual([
      ['primary', 1],
      ['0', 1],
      ['1', 1],
    ]);
  });

  /** A source whose gauge reads 10, 20, 30… in the processes in the order they collect (a test cluster shares the module). */
  function jobsSource(extra: Partial<MetricsSource> = {}): MetricsSource {
    let collected = 0;
    return {
      name: 'jobs',
      collect: () => {
        collected += 10;
        return [
          {
            name: 'jobs_total',
            help: 'Jobs.',
            type: 'counter',
            samples: [{ name: 'jobs_total', labels: { kind: 'a' }, value: 10 }],
          },
          {
            name: 'queue_depth',
            help: 'Queue.',
            type: 'gauge',
            samples: [{ name: 'queue_depth', labels: {}, value: collected }],
          },
          {
            name: 'pool_size',
            help: 'Pool.',
            type: 'gauge',
            aggregator: 'max',
            samples: [{ name: 'pool_size', labels: {}, value: collected }],
          },
          {
            name: 'mailers',
            help: 'Per mailer, labelled by the application.',
            type: 'gauge',
            samples: [{ name: 'mailers', labels: { worker: 'mailer' }, value: 1 }],
          },
        ];
      },
      ...extra,
    };
  }

  it('merges sources from every process by aggregator: counters summed and kept after a worker leaves, gauges read from live ones', async () => {
    const cluster = start({ metrics: { sources: [jobsSource()] } });
    let scrape = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    expect(sampleValue(scrape, 'jobs_total', { kind: 'a' })).toBe(30);
    expect(samplesOf(scrape, 'queue_depth').map(({ labels, value }) => [labels, value])).toEqual([[{}, 10 + 20 + 30]]);
    expect(samplesOf(scrape, 'pool_size').map(({ labels, value }) => [labels, value])).toEqual([[{}, 30]]);
    // The application's own worker label is its own.
    expect(samplesOf(scrape, 'mailers').map(({ labels, value }) => [labels, value])).toEqual([[{ worker: 'mailer' }, 3]]);
    cluster.kill(1);
    scrape = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    expect(sampleValue(scrape, 'jobs_total', { kind: 'a' })).toBe(30); // worker 1's 10 kept
    expect(sampleValue(scrape, 'queue_depth')).toBe(40 + 50); // a gauge reads the processes alive
    expect(sampleValue(scrape, 'mailers', { worker: 'mailer' })).toBe(2);
  });

  it('keeps one series per worker slot with perWorkerLabel, bounded across replacements, and merges a family with a label of that name', async () => {
    const cluster = start({ metrics: { sources: [jobsSource({ perWorkerLabel: 'worker' })] } });
    const slotsOf = (scrape: ReturnType<typeof parsePrometheus>, name: string) =>
      samplesOf(scrape, name)
        .map((sample) => sample.labels.worker)
        .sort();
    let scrape = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    expect(slotsOf(scrape, 'queue_depth')).toEqual(['0', '1', 'primary']);
    expect(slotsOf(scrape, 'jobs_total')).toEqual(['0', '1', 'primary']);
    expect(samplesOf(scrape, 'mailers').map(({ labels, value }) => [labels, value])).toEqual([[{ worker: 'mailer' }, 3]]);
    for (let round = 0; round < 3; round++) {
      cluster.kill(cluster.primary.workers()[0]?.workerId ?? 0);
      cluster.fork();
      scrape = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
      expect(slotsOf(scrape, 'queue_depth')).toEqual(['0', '1', 'primary']);
      expect(slotsOf(scrape, 'cluster_rpc_process_up')).toEqual(['0', '1', 'primary']);
    }
    expect(() => start({ metrics: { sources: [jobsSource({ perWorkerLabel: 'le' })] } })).toThrow(/perWorkerLabel/);
  });

  it('counts streams like calls: started, items, ended by code, duration, open', async () => {
    const cluster = start({ workers: 1 });
    const one = cluster.workers[0];
    if (!one) throw new Error('no worker');
    let read = 0;
    for await (const _ of one.stream('count', 5)) read++;
    expect(read).toBe(5);
    await expect(async () => {
      for await (const _ of one.stream('broken')) read++;
    }).rejects.toMatchObject({ code: 'BROKEN' });
    for await (const n of one.stream('endless')) if (n === 2) break;
    // @ts-expect-error not a stream procedure: refused before it starts
    await expect(one.stream('ok', 1).next()).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const open = one.stream('endless', undefined, { highWaterMark: 1 });
    await open.next();

    const { totals, processes } = await cluster.primary.metrics();
    const entry = (procedure: string, side: 'served' | 'made') =>
      totals.streams.find((stream) => stream.procedure === procedure && stream.side === side);
    expect(entry('count', 'served')).toMatchObject({ started: 1, ended: 1, items: 5, failures: {} });
    expect(entry('count', 'made')).toMatchObject({ started: 1, ended: 1, items: 5, failures: {} });
    expect(entry('broken', 'made')).toMatchObject({ started: 1, ended: 1, failures: { BROKEN: 1 } });
    expect(entry('broken', 'served')).toMatchObject({ started: 1, ended: 1, items: 1, failures: { BROKEN: 1 } });
    // The reader's break ends it ABORTED on both sides; the open one is started, not ended.
    expect(entry('endless', 'made')).toMatchObject({ started: 2, ended: 1, failures: { ABORTED: 1 } });
    expect(entry('endless', 'served')).toMatchObject({ started: 2, ended: 1, failures: { ABORTED: 1 } });
    // A refused stream is counted as ended on both sides, never started.
    expect(entry('ok', 'served')).toMatchObject({ started: 0, ended: 1, failures: { BAD_REQUEST: 1 } });
    expect(entry('count', 'served')?.duration.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(totals.calls.some((call) => call.procedure === 'count')).toBe(false);
    const openBy = (workerId: number) => processes.find((process) => process.workerId === workerId)?.openStreams;
    expect(openBy(0)).toEqual([{ procedure: 'endless', side: 'served', streams: 1 }]);
    expect(openBy(1)).toEqual([{ procedure: 'endless', side: 'made', streams: 1 }]);

    const text = parsePrometheus(await cluster.primary.metrics({ format: 'prometheus' }));
    const value = (name: string, labels: Record<string, string>) => sampleValue(text, name, labels);
    expect(value('cluster_rpc_streams_started_total', { procedure: 'count', side: 'served' })).toBe(1);
    expect(value('cluster_rpc_streams_total', { procedure: 'broken', side: 'made', code: 'BROKEN' })).toBe(1);
    expect(value('cluster_rpc_streams_total', { procedure: 'count', side: 'made', code: 'OK' })).toBe(1);
    expect(value('cluster_rpc_stream_items_total', { procedure: 'count', side: 'made' })).toBe(5);
    expect(value('cluster_rpc_stream_duration_seconds_count', { procedure: 'count', side: 'served' })).toBe(1);
    expect(value('cluster_rpc_streams_open', { procedure: 'endless', side: 'served' })).toBe(1);
    await open.return();
  });

  it('refuses to gather when metrics are off or an option is wrong', async () => {
    const cluster = start({ metrics: false });
    await expect(cluster.primary.metrics()).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('metrics: true'),
    });
    const on = start();
    await expect(on.primary.metrics({ timeout: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // @ts-expect-error not a format
    await expect(on.primary.metrics({ format: 'json' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(() => start({ metrics: { sources: [{ name: 'x' } as unknown as MetricsSource] } })).toThrow(TypeError);
  });
});
