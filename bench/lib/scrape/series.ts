/** The 200 series every scrape-cell worker fills, with the same label sets in every worker so the aggregate holds 200 too. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Series per worker: 80 counter + 40 summed gauge + 24 max gauge + 4 × 14 histogram samples. */
export const SCRAPE_SERIES = 200;

const ROUTES = Array.from({ length: 20 }, (_, index) => `/api/v1/resource-${index}`);
const CODES = ['200', '302', '404', '500'];

/** A registry with {@link SCRAPE_SERIES} series, their values varying with `seed` (the worker). */
export function scrapeRegistry(seed: number): Registry {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: 'bench_http_requests_total',
    help: 'Requests served, by route and status code.',
    labelNames: ['route', 'code'],
    registers,
  });
  const queued = new Gauge({ name: 'bench_queue_depth', help: 'Jobs waiting, by queue.', labelNames: ['queue'], registers });
  const pool = new Gauge({
    name: 'bench_pool_connections',
    help: 'Connections open, by pool.',
    labelNames: ['pool'],
    aggregator: 'max',
    registers,
  });
  const latency = new Histogram({
    name: 'bench_http_request_duration_seconds',
    help: 'Request latency, by route.',
    labelNames: ['route'],
    registers,
  });
  ROUTES.forEach((route, index) => {
    for (const code of CODES) requests.inc({ route, code }, seed * 1000 + index);
  });
  for (let index = 0; index < 40; index++) queued.set({ queue: `queue-${index}` }, (seed + index) % 17);
  for (let index = 0; index < 24; index++) pool.set({ pool: `pool-${index}` }, seed * 3 + index);
  for (const route of ROUTES.slice(0, 4)) {
    for (let n = 0; n < 50; n++) latency.observe({ route }, ((n * 37 + seed) % 100) / 40);
  }
  return registry;
}
