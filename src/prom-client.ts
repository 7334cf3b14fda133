/**
 * Your own prom-client registries, gathered from every process of the
 * cluster with cluster-rpc's metrics: the replacement for prom-client's
 * `AggregatorRegistry`. One scrape of the primary sees every worker; a worker
 * that does not answer in time is left out of that scrape (its counters keep
 * their last values) instead of failing it; counters and histograms are
 * summed and never go backwards when a worker dies or is replaced; gauges
 * and summaries are reported per process with a `worker` label, never summed.
 * Needs prom-client 15 (an optional peer dependency).
 *
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { promClientMetrics } from 'cluster-rpc/prom-client';
 * import { register } from 'prom-client';
 *
 * // The same options in the primary and every worker:
 * export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(register)] } });
 * // In the primary, the /metrics answer: every worker's registry, and cluster-rpc's own metrics.
 * const text = await rpc.primary.metrics({ format: 'prometheus' });
 * ```
 *
 * @packageDocumentation
 * @module cluster-rpc/prom-client
 */
export { type PromClientMetricsOptions, promClientMetrics } from './metrics/prom-client.js';
