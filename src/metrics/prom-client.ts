/** prom-client registries as a metrics source. @module */
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { COLLECT_RENDERED, type FamilyMemo, FamilyRenderer, type RenderedFamily, type RenderingSource } from './rendered.js';
import { isPerWorkerLabel } from './report.js';
import type { MetricAggregator, MetricFamily, MetricSample, MetricsSource } from './types.js';

/** The registry's metrics as prom-client's `getMetricsAsJSON` gives them. */
type PromClientJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const TYPES = new Set<MetricFamily['type']>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The per-worker label unless told otherwise. */
const DEFAULT_WORKER_LABEL = 'worker';

/**
 * Options of {@link promClientMetrics}.
 *
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { type PromClientMetricsOptions, promClientMetrics } from 'cluster-rpc/prom-client';
 * import { register } from 'prom-client';
 *
 * const options: PromClientMetricsOptions = { perWorker: true, workerLabel: 'process' };
 * export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(register, options)] } });
 * ```
 */
export interface PromClientMetricsOptions {
  /**
   * One series per worker instead of prom-client's aggregation, each with a
   * label (`workerLabel`) holding the worker's slot: `0` to one less than
   * the number of live workers, a replacement taking the lowest free slot,
   * so the series stay as many as the workers however often they are
   * replaced. Every metric is kept, `omit` ones included; counters are the
   * worker's own, so a replacement's start again from zero, as a restarted
   * process's do. Default: `false`.
   */
  readonly perWorker?: boolean;
  /**
   * The name of the per-worker label. A metric in the registries that has a
   * label of this name of its own throws when this source is made; one
   * registered later is aggregated instead of split, so its label is never
   * overwritten. Default: `'worker'`.
   */
  readonly workerLabel?: string;
  /**
   * Whether the primary's own registries take part, as one more process
   * (first for `first`; labelled `primary` with `perWorker`). Default:
   * `false`, as prom-client's `AggregatorRegistry`, which reads workers only:
   * metrics defined in a module every process loads then do not add the
   * primary's idle values to a `min` or an `average`.
   */
  readonly primary?: boolean;
}

function familiesOf(metrics: PromClientJson): MetricFamily[] {
  const families: MetricFamily[] = [];
  for (const metric of metrics) {
    const type = String(metric.type) as MetricFamily['type'];
    if (!TYPES.has(type)) continue;
    const samples: MetricSample[] = metric.values.map((value) => {
      const labels: Record<string, string> = {};
      for (const [name, label] of Object.entries(value.labels ?? {})) if (label !== undefined) labels[name] = String(label);
      const { metricName } = value as { metricName?: string };
      return { name: metricName ?? metric.name, labels, value: value.value };
    });
    const { aggregator } = metric as { aggregator?: MetricAggregator };
    families.push({ name: metric.name, help: metric.help, type, aggregator: aggregator ?? 'sum', samples });
  }
  return families;
}

/**
 * The registries' metrics rendered in one pass. `memos` holds the last
 * rendering of each metric and is replaced by this one's: a scrape renders
 * only the samples that changed their labels since the last.
 */
function renderedOf(registries: readonly PromClientJson[], memos: Map<string, FamilyMemo>): RenderedFamily[] {
  const families: RenderedFamily[] = [];
  const previous = new Map(memos);
  memos.clear();
  for (const metrics of registries) {
    for (const metric of metrics) {
      const { aggregator } = metric as { aggregator?: unknown };
      const renderer = FamilyRenderer.open(metric.name, metric.help, metric.type, aggregator, previous.get(metric.name));
      if (!renderer) continue;
      for (const value of metric.values) renderer.add((value as { metricName?: unknown }).metricName, value.labels, value.value);
      families.push(renderer.done());
      const { memo } = renderer;
      if (memo) memos.set(metric.name, memo);
    }
  }
  return families;
}

/** prom-client's global registry, loaded only when it is wanted: this entry loads without prom-client. */
function globalRegistry(): Registry {
  // prom-client is CommonJS: require() gives the module an import of it does.
  return (createRequire(import.meta.url)('prom-client') as typeof import('prom-client')).register;
}

/** The registered metrics that have a label named `label` of their own. */
function metricsLabelled(registries: readonly Registry[], label: string): string[] {
  const found: string[] = [];
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { labelNames } = metric as { labelNames?: readonly string[] };
      if (labelNames?.includes(label)) found.push(metric.name);
    }
  }
  return found;
}

/**
 * A metrics source for `createClusterRpc({ metrics: { sources } })` that
 * reads prom-client registries in each process: the replacement for
 * prom-client's `AggregatorRegistry`. Give it in every process (the shared
 * module that creates the rpc object): each worker then answers the
 * primary's gathers with its registries.
 *
 * By default the primary's Prometheus text holds what
 * `AggregatorRegistry.clusterMetrics()` would for the same registries in the
 * same workers: series of the same name and labels merged by each metric's
 * `aggregator` (`sum` unless the metric says `first`, `min`, `max`,
 * `average` or `omit`). It differs where that loses data: a summed counter,
 * histogram or summary `_sum`/`_count` keeps what a worker that exited or
 * was replaced had counted, and a worker that does not answer in time counts
 * with its last answer instead of failing the scrape (its gauges are left
 * out: a gauge is a reading of the processes that answered); `NaN` and
 * `±Inf` stay themselves.
 *
 * @param registries - One registry or several; prom-client's global `register` if none.
 * @param options - Per worker instead of aggregated, the label's name, whether the primary takes part.
 * @throws `TypeError` when something given is not a prom-client registry, when
 * `workerLabel` cannot name a label, or when `perWorker` is on and a metric
 * registered already has a label named `workerLabel`.
 * @returns The source, named `prom-client`.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import cluster from 'node:cluster';
 * import { createClusterRpc, PROMETHEUS_CONTENT_TYPE } from 'cluster-rpc';
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * import { Counter, Registry } from 'prom-client';
 *
 * const registry = new Registry();
 * const requests = new Counter({ name: 'http_requests_total', help: 'Requests served.', registers: [registry] });
 * const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(registry)] } });
 *
 * if (cluster.isPrimary) {
 *   cluster.fork();
 *   http.createServer(async (_request, response) => {
 *     response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
 *     response.end(await rpc.primary.metrics({ format: 'prometheus' }));
 *   }).listen(9464, '127.0.0.1');
 * } else {
 *   http.createServer((_request, response) => {
 *     requests.inc();
 *     response.end('ok');
 *   }).listen(8000, '127.0.0.1');
 * }
 * ```
 */
export function promClientMetrics(
  registries?: Registry | readonly Registry[],
  options: PromClientMetricsOptions = {},
): MetricsSource {
  const given: readonly Registry[] | undefined =
    registries === undefined ? undefined : Array.isArray(registries) ? registries : [registries as Registry];
  for (const registry of given ?? []) {
    if (typeof (registry as Partial<Registry> | null)?.getMetricsAsJSON !== 'function') {
      throw new TypeError('promClientMetrics expects prom-client registries');
    }
  }
  const { perWorker = false, workerLabel = DEFAULT_WORKER_LABEL, primary = false } = options ?? {};
  if (!isPerWorkerLabel(workerLabel)) {
    throw new TypeError(
      `promClientMetrics: workerLabel must be a Prometheus label name other than le and quantile, not starting with __, got ${JSON.stringify(workerLabel)}`,
    );
  }
  if (perWorker) {
    const clashing = metricsLabelled(given ?? [globalRegistry()], workerLabel);
    if (clashing.length > 0) {
      throw new TypeError(
        `promClientMetrics: ${clashing.join(', ')} ${clashing.length === 1 ? 'has' : 'have'} a label named '${workerLabel}' of ${clashing.length === 1 ? 'its' : 'their'} own, which perWorker would overwrite; choose another with { workerLabel }`,
      );
    }
  }
  const json = (): Promise<PromClientJson[]> =>
    Promise.all((given ?? [globalRegistry()]).map((registry) => registry.getMetricsAsJSON()));
  const memos = new Map<string, FamilyMemo>();
  const source: MetricsSource & RenderingSource = {
    name: 'prom-client',
    primary,
    ...(perWorker ? { perWorkerLabel: workerLabel } : {}),
    async collect() {
      return (await json()).flatMap(familiesOf);
    },
    async [COLLECT_RENDERED]() {
      return renderedOf(await json(), memos);
    },
  };
  return source;
}
