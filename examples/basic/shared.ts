import { z } from 'zod';
import { createClusterRpc, defineEvents, defineRouter, procedure } from '../../src/index.js';

let hits = 0;
export const primaryRouter = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: z.number().int().positive() }))
      .output(z.number())
      .handler(({ input }) => (hits += input.by)),
  },
  now: procedure.handler(() => new Date()),
});

export const workerRouter = defineRouter({
  stats: procedure.handler(({ ctx }) => ({ pid: process.pid, requestId: ctx.requestId })),
});

export const events = defineEvents({
  configChanged: z.object({ key: z.string(), value: z.string() }),
  requestServed: z.object({ path: z.string(), ms: z.number() }),
  flush: z.void(),
});

export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  timeout: 10_000,
  maxPayloadBytes: 1 << 20,
});
