/**
 * The primary: hands out jobs, and prints a status line every two seconds:
 * the workers that have joined (id, pid, host), jobs done per second, and
 * each worker's own figures, gathered with `callAll` (a worker that does not
 * answer within a second is shown as such, the others still are).
 */
import { jobs, rpc } from './shared.js';

const STATUS_EVERY_MS = Number(process.env.STATUS_EVERY_MS ?? 2000);

let before = { at: Date.now(), done: 0 };

async function printStatus(): Promise<void> {
  const now = { at: Date.now(), done: jobs.done };
  const perSecond = Math.round(((now.done - before.done) * 1000) / Math.max(1, now.at - before.at));
  before = now;
  const stats = await rpc.primary.callAll('stats', undefined, { timeout: 1000 });
  const workers = stats.map((entry) =>
    entry.status === 'fulfilled'
      ? `#${entry.workerId} pid ${entry.value.pid}@${entry.value.host} p99 ${entry.value.p99Ms === null ? '-' : `${entry.value.p99Ms.toFixed(1)} ms`}`
      : `#${entry.workerId} ${entry.error.code}`,
  );
  console.log(
    `[status] workers ${stats.length} | ${perSecond} jobs/s | ${jobs.done} done | ${workers.join(' | ') || 'waiting for workers'}`,
  );
}

console.log(`[primary ${process.pid}] claiming the cluster '${process.env.CLUSTER ?? 'nats-example'}'`);
// Every worker hears this, including those that join later: it is sent again to each newcomer below.
let greeted = new Set<number>();
async function greetNewcomers(): Promise<void> {
  const ids = rpc.primary.workers().map((worker) => worker.workerId);
  if (ids.every((id) => greeted.has(id))) return;
  greeted = new Set(ids);
  await rpc.primary.broadcast('note', `primary ${process.pid} has ${ids.length} worker(s): ${ids.join(', ')}`);
}

let printing = false;
const timer = setInterval(() => {
  if (printing) return;
  printing = true;
  Promise.all([printStatus(), greetNewcomers()])
    .catch((error: unknown) => console.error('[status] failed:', error))
    .finally(() => {
      printing = false;
    });
}, STATUS_EVERY_MS);

// SIGTERM from main.ts; SIGINT when Ctrl-C reaches the whole process group.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    clearInterval(timer);
    await rpc.close({ grace: 1000 });
    process.exit(0);
  });
}
