/** prom-client registries as a metrics source. @module */
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { COLLECT_RENDERED, type FamilyMemo, FamilyRenderer, type RenderedFamily, type RenderingSource } from './rendered.js';
import { isPerWorkerLabel } from './report.js';
import type { MetricAggregator, MetricFamily, MetricSample, MetricsSource } from './types.js';

type PromClientJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const TYPES = new Set<MetricFamily['type']>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const DEFAULT_WORKER_LABEL = 'worker';

/**
 * Options of {@link promClientMetrics}.
 * @example
 * ```ts
 * import type { PromClientMetricsOptions } from 'cluster-rpc/prom-client';
 * const options: PromClientMetricsOptions = { perWorker: true, workerLabel: 'process' };
 * ```
 */
export interface PromClientMetricsOptions {
  /**
   * One series per worker slot (the `workerLabel` label) instead of prom-client's aggregation; a replacement takes
   * the lowest free slot and its counters start from zero. Default: `false`.
   */
  readonly perWorker?: boolean;
  /** The per-worker label; a metric with a label of this name of its own is aggregated instead. Default: `'worker'`. */
  readonly workerLabel?: string;
  /**
   * Whether the primary's registries take part, as one more process. Default: `false`, as `AggregatorRegistry`: the
   * primary's idle values would skew a `min` or an `average`.
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

/** `memos`, the last rendering of each metric, is replaced by this one's: a scrape renders only samples whose labels changed. */
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

/** Loaded only when wanted: this entry loads without prom-client. */
function globalRegistry(): Registry {
  // prom-client is CommonJS: require() gives the module an import of it does.
  return (createRequire(import.meta.url)('prom-client') as typeof import('prom-client')).register;
}

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
 * A metrics source reading prom-client registries (the global `register` unless given) in each process: give it in
 * every process, and the primary's scrape merges them as the entry's overview says.
 * @throws `TypeError` for something that is not a registry, a `workerLabel` that cannot name a label, or,
 *   with `perWorker`, a registered metric that has a label named `workerLabel`.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * import { Registry } from 'prom-client';
 * const registry = new Registry();
 * export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(registry)] } });
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
