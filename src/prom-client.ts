/**
 * Your prom-client registries, gathered from every worker with cluster-rpc's metrics: the replacement for prom-client's
 * `AggregatorRegistry`. A scrape of the primary holds what its `clusterMetrics()` would, each metric merged by its
 * `aggregator`, except that summed counters never go backwards when a worker is replaced, a worker too slow to answer is
 * left out instead of failing the scrape, and `NaN` and `±Inf` stay themselves. Needs prom-client 15 (optional peer).
 * ```ts
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/prom-client
 */
export { type PromClientMetricsOptions, promClientMetrics } from './metrics/prom-client.js';
