/** What `rpc.primary.metrics()` returns, what the `metrics` option takes, and the shape other registries come in. @module */
import type { RpcError } from '../wire/errors.js';

/**
 * The upper bounds, in seconds, of the latency histogram buckets, from about the fastest IPC round trip to 10 s; a
 * last bucket holds what is slower. Fixed, so every process's histograms add up.
 * @example
 * ```ts
 * import { LATENCY_BUCKETS_SECONDS } from 'cluster-rpc';
 * const oneMsBucket = LATENCY_BUCKETS_SECONDS.indexOf(0.001);
 * ```
 * @group Metrics
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** How long {@link PrimaryRpc.metrics} waits for each worker unless told otherwise. */
export const DEFAULT_METRICS_TIMEOUT_MS = 1000;

/**
 * The `Content-Type` of Prometheus' text format 0.0.4, for a `/metrics` endpoint.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { PROMETHEUS_CONTENT_TYPE } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 * http.createServer(async (_request, response) => {
 *   response.setHeader('content-type', PROMETHEUS_CONTENT_TYPE).end(await rpc.primary.metrics({ format: 'prometheus' }));
 * });
 * ```
 * @group Metrics
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A latency histogram: calls per bucket of {@link LATENCY_BUCKETS_SECONDS} (not cumulative) and the sum of their latencies.
 * @example
 * ```ts
 * import type { LatencyCounts } from 'cluster-rpc/types';
 * const mean = ({ counts, sumSeconds }: LatencyCounts) => sumSeconds / Math.max(1, counts.reduce((a, b) => a + b, 0));
 * ```
 * @group Metrics
 */
export interface LatencyCounts {
  /** `counts[i]` took at most `LATENCY_BUCKETS_SECONDS[i]` and more than the bound before; the last entry is the rest. */
  readonly counts: readonly number[];
  /** The sum of every latency counted, in seconds. */
  readonly sumSeconds: number;
}

/**
 * Counters of one procedure on one side: calls this process served, or made.
 * @example
 * ```ts
 * import type { CallCounts } from 'cluster-rpc/types';
 * const failureRate = (entry: CallCounts) => Object.values(entry.failures).reduce((a, b) => a + b, 0) / entry.calls;
 * ```
 * @group Metrics
 */
export interface CallCounts {
  /** The procedure's path; `(other)` for paths no router serves (and past the first 1000 paths). */
  readonly procedure: string;
  /** `served`: calls this side answered; `made`: calls it made to the other side. */
  readonly side: 'served' | 'made';
  /** Calls that ended, successful or not. */
  readonly calls: number;
  /** Of those, the failures by {@link RpcError} code. */
  readonly failures: Readonly<Record<string, number>>;
  /** How long they took: served, from arrival to answer; made, from the call to its settling. */
  readonly latency: LatencyCounts;
}

/**
 * Calls of one procedure on one side under way in one process: a gauge.
 * @example
 * ```ts
 * import type { InFlight } from 'cluster-rpc/types';
 * const busiest = (gauges: readonly InFlight[]) => gauges.toSorted((a, b) => b.calls - a.calls)[0];
 * ```
 * @group Metrics
 */
export interface InFlight {
  /** The procedure's path. */
  readonly procedure: string;
  /** `served` or `made`, as in {@link CallCounts}. */
  readonly side: 'served' | 'made';
  /** Calls under way now. */
  readonly calls: number;
}

/**
 * Counters of one stream procedure on one side: streams this process produced (`served`) or read (`made`). A reader
 * that stops early ends a stream `ABORTED` on both sides.
 * @example
 * ```ts
 * import type { StreamCounts } from 'cluster-rpc/types';
 * const itemsPerStream = (entry: StreamCounts) => entry.items / Math.max(1, entry.started);
 * ```
 * @group Metrics
 */
export interface StreamCounts {
  /** The procedure's path; `(other)` for paths no router serves. */
  readonly procedure: string;
  /** `served`: streams this side produced; `made`: streams it read from the other side. */
  readonly side: 'served' | 'made';
  /** Streams that started (refused ones are counted as ended only). */
  readonly started: number;
  /** Streams that ended, however they ended. */
  readonly ended: number;
  /** Items sent (`served`) or received (`made`). */
  readonly items: number;
  /** Of the streams that ended, the failures by {@link RpcError} code. */
  readonly failures: Readonly<Record<string, number>>;
  /** How long the ended ones lasted. */
  readonly duration: LatencyCounts;
}

/**
 * Streams of one procedure on one side open in one process: a gauge.
 * @example
 * ```ts
 * import type { OpenStreams } from 'cluster-rpc/types';
 * const open = (gauges: readonly OpenStreams[]) => gauges.reduce((sum, gauge) => sum + gauge.streams, 0);
 * ```
 * @group Metrics
 */
export interface OpenStreams {
  /** The procedure's path. */
  readonly procedure: string;
  /** `served` or `made`, as in {@link StreamCounts}. */
  readonly side: 'served' | 'made';
  /** Streams open now. */
  readonly streams: number;
}

/**
 * Events of one name sent and received.
 * @example
 * ```ts
 * import type { EventCounts } from 'cluster-rpc/types';
 * const unheard = (entry: EventCounts) => entry.sent - entry.received;
 * ```
 * @group Metrics
 */
export interface EventCounts {
  /** The event's name. */
  readonly event: string;
  /** Sent (`emit`, `broadcast`): once per send, however many processes receive it. */
  readonly sent: number;
  /** Received and valid, handed to listeners. */
  readonly received: number;
}

/**
 * Workers the primary saw come and go.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * const { joins, exits, restarts } = (await rpc.primary.metrics()).totals.workers;
 * ```
 * @group Metrics
 */
export interface WorkerLifecycle {
  /** Workers that joined. */
  readonly joins: number;
  /** Workers that exited or whose channel closed. */
  readonly exits: number;
  /** Joins that came after an exit, one per exit: workers replaced. */
  readonly restarts: number;
}

/**
 * Counters summed over processes.
 * @example
 * ```ts
 * import type { MetricsTotals } from 'cluster-rpc/types';
 * const callsMade = (totals: MetricsTotals) => totals.calls.filter((entry) => entry.side === 'made').length;
 * ```
 * @group Metrics
 */
export interface MetricsTotals {
  /** Per procedure and side. */
  readonly calls: readonly CallCounts[];
  /** Per stream procedure and side. */
  readonly streams: readonly StreamCounts[];
  /** Per event name. */
  readonly events: readonly EventCounts[];
  /** The primary's view of workers joining and leaving. */
  readonly workers: WorkerLifecycle;
}

/**
 * One process's metrics as it answered: its counters and its gauges.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * for (const { workerId, pid, inFlight } of (await rpc.primary.metrics()).processes) console.log(workerId, pid, inFlight.length);
 * ```
 * @group Metrics
 */
export interface ProcessMetrics extends MetricsTotals {
  /** The worker's id; 0 for the primary. */
  readonly workerId: number;
  /** Its process id. */
  readonly pid: number;
  /** Calls under way when it answered, per procedure and side with any. */
  readonly inFlight: readonly InFlight[];
  /** Streams open when it answered, per procedure and side with any. */
  readonly openStreams: readonly OpenStreams[];
}

/**
 * A live worker that did not answer a gather in time.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * for (const worker of (await rpc.primary.metrics({ timeout: 500 })).missing) console.warn(worker.workerId, worker.error.code);
 * ```
 * @group Metrics
 */
export interface MissingWorker {
  /** The worker's id. */
  readonly workerId: number;
  /** Its process id. */
  readonly pid: number;
  /** Why: usually `TIMEOUT` (busy or frozen) or `DISCONNECTED` (it died during the gather). */
  readonly error: RpcError;
}

/**
 * The cluster's metrics, as {@link PrimaryRpc.metrics} gathers them.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * const { processes, missing, totals } = await rpc.primary.metrics();
 * ```
 * @group Metrics
 */
export interface ClusterMetrics {
  /** The processes that answered, the primary first, then workers by id: their own counters and gauges. */
  readonly processes: readonly ProcessMetrics[];
  /** Live workers that did not answer in time; their last counts stay in `totals`. */
  readonly missing: readonly MissingWorker[];
  /** Counters summed over every process seen since the primary's rpc object started: they never go backwards. */
  readonly totals: MetricsTotals;
}

/**
 * Options of {@link cluster-rpc!PrimaryRpc.metrics}.
 * @example
 * ```ts
 * import type { MetricsRequest } from 'cluster-rpc/types';
 * const scrape: MetricsRequest = { timeout: 2000, format: 'prometheus' };
 * ```
 * @group Metrics
 */
export interface MetricsRequest {
  /** Milliseconds to wait for each worker. Default: 1000 (1 s). */
  readonly timeout?: number;
  /** `'object'` for a {@link ClusterMetrics}, `'prometheus'` for text format 0.0.4. Default: `'object'`. */
  readonly format?: 'object' | 'prometheus';
}

/**
 * One sample of a {@link MetricFamily}: a series' value now.
 * @example
 * ```ts
 * import type { MetricSample } from 'cluster-rpc/types';
 * const bucket: MetricSample = { name: 'http_request_seconds_bucket', labels: { route: '/', le: '0.1' }, value: 42 };
 * ```
 * @group Metrics
 */
export interface MetricSample {
  /** The full sample name: the family's, or with `_bucket`, `_sum`, `_count` for histograms and summaries. */
  readonly name: string;
  /** Label names to values. */
  readonly labels: Readonly<Record<string, string>>;
  /** The value. */
  readonly value: number;
}

/**
 * How the primary merges series of a {@link MetricFamily} that several processes report with the same labels, as
 * prom-client's `aggregator`: `first` is the primary's if it takes part, then workers by slot; `omit` drops the family.
 * @example
 * ```ts
 * import type { MetricAggregator } from 'cluster-rpc/types';
 * const aggregator: MetricAggregator = 'max';
 * ```
 * @group Metrics
 */
export type MetricAggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

/**
 * Metrics of one name and type, in Prometheus' data model: what a {@link MetricsSource} collects in each process.
 * @example
 * ```ts
 * import type { MetricFamily } from 'cluster-rpc';
 * const pool: MetricFamily = { name: 'db_pool_size', help: 'Connections.', type: 'gauge', aggregator: 'max', samples: [] };
 * ```
 * @group Metrics
 */
export interface MetricFamily {
  /** The metric's name. */
  readonly name: string;
  /** What it measures. */
  readonly help: string;
  /** Its type: counters, histograms and a summary's `_sum` and `_count` are cumulative. */
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  /** How series of the same name and labels from several processes become one. Default: `sum`. */
  readonly aggregator?: MetricAggregator;
  /** Its samples. */
  readonly samples: readonly MetricSample[];
}

/**
 * Other metrics, gathered with cluster-rpc's: `collect` runs in each process per gather (`cluster-rpc/prom-client` makes one).
 * @example
 * ```ts
 * import { createClusterRpc, type MetricsSource } from 'cluster-rpc';
 * let jobsDone = 0;
 * const jobs: MetricsSource = {
 *   name: 'jobs',
 *   collect: () => [{ name: 'jobs', help: 'Jobs.', type: 'counter', samples: [{ name: 'jobs', labels: {}, value: jobsDone }] }],
 * };
 * export const rpc = createClusterRpc({ metrics: { sources: [jobs] } });
 * ```
 * @group Metrics
 */
export interface MetricsSource {
  /** Names the source; unique among the sources of an rpc object. */
  readonly name: string;
  /** This process's metrics now; a throw or rejection leaves this source out of this process's answer. */
  collect(): readonly MetricFamily[] | Promise<readonly MetricFamily[]>;
  /** Whether the primary's own metrics of this source take part (`collect` then runs in the primary too). Default: `true`. */
  readonly primary?: boolean;
  /**
   * One series per process under this label instead of merged ones: the worker's slot (a replacement takes the lowest
   * free one) or `primary`. A family with a label of this name of its own is merged instead. Default: merged.
   */
  readonly perWorkerLabel?: string;
}

/**
 * The `metrics` option of `createClusterRpc` as an object: counting on, and these sources gathered with it.
 * @example
 * ```ts
 * import { createClusterRpc, type MetricsOptions } from 'cluster-rpc';
 * const metrics: MetricsOptions = { sources: [] };
 * export const rpc = createClusterRpc({ metrics });
 * ```
 * @group Metrics
 */
export interface MetricsOptions {
  /** Other registries to gather from every process with cluster-rpc's counters. Default: none. */
  readonly sources?: readonly MetricsSource[];
}
