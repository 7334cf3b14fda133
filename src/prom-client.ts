/**
 * Your prom-client registries, gathered from every worker with cluster-rpc's metrics: the replacement for
 * prom-client's `AggregatorRegistry`. One scrape of the primary holds what `AggregatorRegistry.clusterMetrics()`
 * would, each metric merged by its `aggregator`, except that summed counters never go backwards when a worker is
 * replaced, a worker that does not answer in time is left out instead of failing the scrape, and `NaN` and `±Inf`
 * stay themselves. Needs prom-client 15 (an optional peer dependency).
 *
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * import { register } from 'prom-client';
 * export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(register)] } });
 * const text = await rpc.primary.metrics({ format: 'prometheus' }); // in the primary
 * ```
 *
 * @packageDocumentation
 * @module cluster-rpc/prom-client
 */
export { type PromClientMetricsOptions, promClientMetrics } from './metrics/prom-client.js';
