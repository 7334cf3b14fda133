/**
 * The primary: the cluster manager, and a status line every two seconds
 * read from the cluster's metrics (`rpc.primary.metrics()`, the numbers
 * `/metrics` serves): what changed since the previous line.
 */
import { createClusterManager } from '../../src/cluster.js';
import { type ClusterMetrics, LATENCY_BUCKETS_SECONDS } from '../../src/index.js';
import { rpc } from './shared.js';

const STATUS_EVERY_MS = 2000;
const port = Number(process.env.PORT ?? 8000);

const manager = createClusterManager({
  workers: process.env.WORKERS ? Number(process.env.WORKERS) : undefined,
  rpc,
  // Ready means listening and answering calls.
  readyCheck: (worker) => rpc.primary.call(worker, 'stats', undefined, { timeout: 5000 }),
});

/** The cluster's counters that the status line shows: hits, and the workers' calls to the primary with their latencies. */
function figures({ totals }: ClusterMetrics) {
  const hits = totals.calls.find((entry) => entry.procedure === 'hits.record' && entry.side === 'served')?.calls ?? 0;
  // Calls the workers made to the primary: every call made but the primary's own `stats` calls to workers.
  const made = totals.calls.filter((entry) => entry.side === 'made' && entry.procedure !== 'stats');
  const latency = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  for (const entry of made) {
    for (const [index, count] of entry.latency.counts.entries()) latency[index] = (latency[index] ?? 0) + count;
  }
  return { hits, calls: made.reduce((sum, entry) => sum + entry.calls, 0), latency, restarts: totals.workers.restarts };
}

/** The upper bound, in ms, of the bucket holding the `q` quantile of latencies counted since `before`; `-` without calls. */
function quantileMs(now: readonly number[], before: readonly number[], q: number): string {
  const window = now.map((count, index) => count - (before[index] ?? 0));
  const total = window.reduce((sum, count) => sum + count, 0);
  let seen = 0;
  for (const [index, count] of window.entries()) {
    seen += count;
    if (total > 0 && seen >= q * total) {
      const bound = LATENCY_BUCKETS_SECONDS[index];
      return bound === undefined ? '> 10 s' : `≤ ${bound * 1000} ms`;
    }
  }
  return '-';
}

let previous: { at: number; figures: ReturnType<typeof figures> } | undefined;

async function printStatus(): Promise<void> {
  const metrics = await rpc.primary.metrics({ timeout: 1000 });
  const now = { at: Date.now(), figures: figures(metrics) };
  const before = previous ?? { at: now.at - STATUS_EVERY_MS, figures: { ...now.figures, hits: 0, calls: 0, latency: [] } };
  previous = now;
  const seconds = (now.at - before.at) / 1000;
  const stats = manager.stats();
  const missing = metrics.missing.length > 0 ? ` | ${metrics.missing.length} not answering` : '';
  console.log(
    `[status] workers ${stats.ready}/${stats.size} | ${Math.round((now.figures.hits - before.figures.hits) / seconds)} req/s | ` +
      `${Math.round((now.figures.calls - before.figures.calls) / seconds)} rpc calls/s | ` +
      `p99 call ${quantileMs(now.figures.latency, before.figures.latency, 0.99)} | ` +
      `restarts ${now.figures.restarts} (${stats.respawns} after a crash)${missing}`,
  );
}

await manager.start();
console.log(
  `http-cluster: ${manager.workers.length} workers on http://127.0.0.1:${port} (primary pid ${process.pid}, ` +
    `policy ${manager.schedulingPolicy}). Ctrl-C stops it; kill -HUP ${process.pid} restarts the workers one by one.`,
);
let printing = false;
const timer = setInterval(() => {
  if (printing || manager.state !== 'running') return;
  printing = true;
  printStatus()
    .catch((error: unknown) => console.error('[status] failed:', error))
    .finally(() => {
      printing = false;
    });
}, STATUS_EVERY_MS);
manager.on('stopped', () => clearInterval(timer));
