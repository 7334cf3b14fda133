/** prom-client registries as a metrics source. @module */
import type { Registry } from 'prom-client';
import type { MetricFamily, MetricSample, MetricsSource } from './types.js';

/** The registry's metrics as prom-client's `getMetricsAsJSON` gives them. */
type PromClientJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const TYPES = new Set<MetricFamily['type']>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

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
    families.push({ name: metric.name, help: metric.help, type, samples });
  }
  return families;
}

/**
 * A metrics source for `createClusterRpc({ metrics: { sources } })` that
 * reads prom-client registries in each process. Give it in every process
 * (the shared module that creates the rpc object): each worker then answers
 * the primary's gathers with its registries, and the primary's own are
 * included too.
 *
 * @param registries - One registry or several; prom-client's global `register` if none.
 * @throws `TypeError` when something given is not a prom-client registry.
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
export function promClientMetrics(registries?: Registry | readonly Registry[]): MetricsSource {
  const given: readonly Registry[] | undefined =
    registries === undefined ? undefined : Array.isArray(registries) ? registries : [registries as Registry];
  for (const registry of given ?? []) {
    if (typeof (registry as Partial<Registry> | null)?.getMetricsAsJSON !== 'function') {
      throw new TypeError('promClientMetrics expects prom-client registries');
    }
  }
  return {
    name: 'prom-client',
    async collect() {
      // prom-client is loaded only when its global registry is wanted: this entry loads without it.
      const list = given ?? [(await import('prom-client')).register];
      const all = await Promise.all(list.map((registry) => registry.getMetricsAsJSON()));
      return all.flatMap(familiesOf);
    },
  };
}
