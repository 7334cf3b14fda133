/**
 * The routers and the rpc object every PM2 instance loads. Instance 0 is the
 * rpc primary; the others are its workers. They reach each other through a
 * Unix domain socket (`RPC_SOCKET`), since under PM2's cluster mode the
 * cluster's IPC channel leads to PM2's daemon, not to instance 0.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure } from '../../src/index.js';
import { socketTransport } from '../../src/socket.js';

/** PM2 numbers the instances of an app 0, 1, … (`pm_id` is PM2's own id, unique across its apps). */
export const instance = process.env.NODE_APP_INSTANCE ?? '0';
export const isPrimary = instance === '0';

// ---- State held by the primary (instance 0) ----------------------------------------------

const visits = { total: 0 };

/** Counts a visit; instance 0 calls it itself, the other instances through the rpc. */
export function countVisit(): { total: number; primaryPid: number } {
  visits.total++;
  return { total: visits.total, primaryPid: process.pid };
}

// ---- State held by each of the other instances -------------------------------------------

/** `wait` calls under way here. */
let waiting = 0;

// ---- Routers ------------------------------------------------------------------------------

export const workerRouter = defineRouter({
  whoami: procedure.handler(() => ({ instance, pid: process.pid, waiting })),
  /** Answers after `ms` (or when the call is given up): something to kill an instance in the middle of. */
  wait: procedure.input(z.object({ ms: z.number().int().min(0).max(600_000) })).handler(async ({ input, ctx }) => {
    waiting++;
    try {
      await sleep(input.ms, undefined, { signal: ctx.signal });
    } finally {
      waiting--;
    }
    return { instance, pid: process.pid, waitedMs: input.ms };
  }),
});

export const primaryRouter = defineRouter({
  visits: {
    /** `workMs`: how long to pretend to work first, as a handler that queries a database would. */
    count: procedure.input(z.object({ workMs: z.number().int().min(0).max(10_000) })).handler(async ({ input }) => {
      if (input.workMs > 0) await sleep(input.workMs);
      return countVisit();
    }),
  },
});

export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  timeout: 5000,
  transport: socketTransport({
    path: process.env.RPC_SOCKET ?? join(tmpdir(), 'cluster-rpc-pm2-example.sock'),
    role: isPrimary ? 'primary' : 'worker',
    // `pm2 reload` starts the new instance 0 while the old one still listens: it waits for the path.
    standby: true,
  }),
});
