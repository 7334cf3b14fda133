/**
 * Your own prom-client registries, gathered from every worker of the cluster
 * with cluster-rpc's metrics: the replacement for prom-client's
 * `AggregatorRegistry`. One scrape of the primary holds what
 * `AggregatorRegistry.clusterMetrics()` would, each metric merged by its
 * `aggregator`, except that summed counters and histograms never go
 * backwards when a worker dies or is replaced, a worker that does not answer
 * in time is left out of that scrape instead of failing it, and `NaN` and
 * `±Inf` stay themselves. `{ perWorker: true }` keeps one series per worker
 * slot instead. Needs prom-client 15 (an optional peer dependency).
 *
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * import { register } from 'prom-client';
 *
 * // The same options in the primary and every worker:
 * export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(register)] } });
 * // In the primary, the /metrics answer: every worker's registry, aggregated, and cluster-rpc's own metrics.
 * const text = await rpc.primary.metrics({ format: 'prometheus' });
 * ```
 *
 * @packageDocumentation
 * @module cluster-rpc/prom-client
 */
export { type PromClientMetricsOptions, promClientMetrics } from './metrics/prom-client.js';
