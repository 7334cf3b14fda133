/**
 * The primary: the cluster manager, and a status line every two seconds built
 * from every worker's figures (gathered with `callAll`).
 */
import { createClusterManager } from '../../src/cluster/index.js';
import { LatencyHistogram } from './latency.js';
import { rpc } from './shared.js';

const STATUS_EVERY_MS = 2000;
const port = Number(process.env.PORT ?? 8000);

const manager = createClusterManager({
  workers: process.env.WORKERS ? Number(process.env.WORKERS) : undefined,
  rpc,
  // Ready means listening and answering calls.
  readyCheck: (worker) => rpc.primary.call(worker, 'stats', undefined, { timeout: 5000 }),
});

async function printStatus(): Promise<void> {
  const results = await rpc.primary.callAll('metrics.take', undefined, { timeout: 1000 });
  const latency = new LatencyHistogram();
  let requests = 0;
  let calls = 0;
  for (const result of results) {
    if (result.status !== 'fulfilled') continue;
    requests += result.value.requests;
    calls += result.value.calls;
    latency.merge(result.value.latency);
  }
  const seconds = STATUS_EVERY_MS / 1000;
  const p99 = latency.quantile(0.99);
  const stats = manager.stats();
  console.log(
    `[status] workers ${stats.ready}/${stats.size} | ${Math.round(requests / seconds)} req/s | ` +
      `${Math.round(calls / seconds)} rpc calls/s | p99 call ${p99 === undefined ? '-' : `${p99.toFixed(2)} ms`} | ` +
      `restarts ${stats.respawns + stats.replaced} (${stats.respawns} after a crash)`,
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
