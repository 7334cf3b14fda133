/**
 * The routers, events and rpc object, loaded by the primary and by every
 * worker. The transport is NATS: the processes may run on any machines that
 * reach the server (`NATS_URL`), and each says its role (`CLUSTER_RPC_ROLE`).
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { createClusterRpc, defineEvents, defineRouter, procedure } from '../../src/index.js';
import { natsTransport } from '../../src/nats.js';

/** The primary hands out jobs and counts the results. */
export const jobs = { handedOut: 0, done: 0, sum: 0 };

export const primaryRouter = defineRouter({
  jobs: {
    take: procedure.handler(() => ({ id: ++jobs.handedOut, upTo: 2_000 + (jobs.handedOut % 1_000) })),
    done: procedure.input(z.object({ id: z.number().int(), result: z.number() })).handler(({ input }) => {
      jobs.done++;
      jobs.sum += input.result;
    }),
  },
});

/** What a worker tells the primary about itself. */
export const workerStats = { done: 0, latenciesMs: [] as number[] };

export const workerRouter = defineRouter({
  stats: procedure.handler(() => {
    const sorted = workerStats.latenciesMs.splice(0).sort((a, b) => a - b);
    return {
      pid: process.pid,
      host: hostname(),
      done: workerStats.done,
      p99Ms: sorted.length ? (sorted[Math.floor(sorted.length * 0.99)] ?? 0) : null,
    };
  }),
});

export const events = defineEvents({
  /** The primary's announcement to every worker, whichever machine it runs on. */
  note: z.string(),
});

export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  timeout: 5000,
  transport: natsTransport({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    cluster: process.env.CLUSTER ?? 'nats-example',
    ...(process.env.NATS_USER ? { user: process.env.NATS_USER, pass: process.env.NATS_PASS } : {}),
  }),
});
