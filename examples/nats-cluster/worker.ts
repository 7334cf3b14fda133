/**
 * A worker: keeps a few jobs in flight (take one from the primary, compute,
 * report the result). When the primary goes away its calls fail, and it
 * carries on with the next primary.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RpcError } from '../../src/index.js';
import { rpc, workerStats } from './shared.js';

const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
rpc.worker.on('note', (text, meta) => console.log(`[worker ${process.pid}] note from the ${meta.from.side}: ${text}`));

/** The job itself: count the primes below `upTo`. */
function primesBelow(upTo: number): number {
  let count = 0;
  for (let n = 2; n < upTo; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

let stopping = false;

async function lane(): Promise<void> {
  while (!stopping) {
    const started = performance.now();
    try {
      const job = await rpc.worker.call('jobs.take');
      await rpc.worker.call('jobs.done', { id: job.id, result: primesBelow(job.upTo) });
      workerStats.done++;
      workerStats.latenciesMs.push((performance.now() - started) / 2);
    } catch (error) {
      if (error instanceof RpcError && error.code === 'SHUTTING_DOWN') return;
      // DISCONNECTED or TIMEOUT: the primary went away. Calls made from now on wait for the next one.
      console.log(`[worker ${process.pid}] ${error instanceof RpcError ? error.code : error}: carrying on`);
      await delay(500);
    }
  }
}

const lanes = Array.from({ length: IN_FLIGHT }, () => lane());

// SIGTERM from main.ts; SIGINT when Ctrl-C reaches the whole process group.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    stopping = true;
    await rpc.close({ grace: 1000 });
    await Promise.all(lanes);
    process.exit(0);
  });
}
