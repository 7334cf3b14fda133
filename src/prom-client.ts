/**
 * Your prom-client registries, gathered from every worker with cluster-rpc's metrics: the replacement for
 * prom-client's `AggregatorRegistry`. One scrape of the primary holds what `AggregatorRegistry.clusterMetrics()`
 * would, each metric merged by its `aggregator`, except that summed counters never go backwards when a worker is
 * replaced, a worker that does not answer in time is left out instead of failing the scrape, and `NaN` and `±Inf`
 * stay themselves. Needs prom-client 15 (an optional peer dependency).
 * ```ts
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/prom-client
 */
export { type PromClientMetricsOptions, promClientMetrics } from './metrics/prom-client.js';
