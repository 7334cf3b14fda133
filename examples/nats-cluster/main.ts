/**
 * The NATS cluster example, on one machine: starts a local nats-server (from
 * `NATS_SERVER_BIN` or `PATH`, see support/nats-server.ts) on a free port, then a primary and `WORKERS`
 * workers (3 by default) as separate processes, as they would run on separate
 * machines. A worker or primary that dies is started again after a second, so
 * `kill -9` one and watch the others carry on. Ctrl-C stops everything.
 *
 *   npx tsx examples/nats-cluster/main.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../../support/nats-server.js';

const WORKERS = Number(process.env.WORKERS ?? 3);
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

const server = await startNatsServer(process.env.NATS_PORT ? { port: Number(process.env.NATS_PORT) } : {}).catch(
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
const url = server.url;
console.log(`nats-server on ${url} (pid ${server.pid}); primary and ${WORKERS} worker(s) start now. Ctrl-C stops everything.`);

let stopping = false;
const children = new Set<ChildProcess>();

/** Starts one member, with its output prefixed; starts it again a second after it dies. */
function start(role: 'primary' | 'worker', slot: number): void {
  const child = spawn(process.execPath, ['--import', 'tsx', here(`./${role}.ts`)], {
    env: { ...process.env, CLUSTER_RPC_ROLE: role, NATS_URL: url },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  console.log(
    `[main] ${role}${role === 'worker' ? ` ${slot}` : ''} started: pid ${child.pid} (kill -9 ${child.pid} to see what happens)`,
  );
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (stopping) return;
    console.log(`[main] ${role} pid ${child.pid} ended (${signal ?? `code ${code}`}); starting another in a second`);
    setTimeout(() => stopping || start(role, slot), 1000);
  });
}

start('primary', 0);
for (let slot = 1; slot <= WORKERS; slot++) start('worker', slot);

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('[main] stopping: workers and primary close their rpc objects, then the server stops');
  const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), delay(5000)]);
  await server.stop('SIGTERM');
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
