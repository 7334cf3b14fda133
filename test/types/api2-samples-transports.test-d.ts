// biome-ignore-all format: the sample is copied verbatim from the public contract (API-2.md)
// biome-ignore-all lint/suspicious/noExportsInTest: the verbatim sample exports what it defines
// biome-ignore-all lint/correctness/noUnusedVariables: the verbatim sample names values it does not use
// biome-ignore-all assist/source/organizeImports: the sample's import lines stay as written
/**
 * The sample of the section "Transports" of API-2.md, verbatim, type-checked
 * (its routers and events come first). `api2-samples.test.ts` checks it.
 */
import { expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { defineEvents, defineRouter, procedure, type WorkerRpc } from '../../src/index.js';

const primaryRouter = defineRouter({ now: procedure.handler(() => new Date()) });
const workerRouter = defineRouter({ pid: procedure.handler(() => process.pid) });
const events = defineEvents({ flush: z.void() });

// ---- section "Transports" ----
import { createClusterRpc } from '../../src/index.js';
import { natsTransport } from '../../src/nats.js';

export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  transport: natsTransport({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', // string or string[]
    cluster: 'shop',   // processes that give the same name form one cluster
    role: 'worker',    // 'primary' | 'worker'; default: process.env.CLUSTER_RPC_ROLE
    // any connection option of the NATS client passes through (user/pass, token, nkeys, TLS),
    // or `connection:` an already connected client, which close() then leaves open
  }),
});

test('Transports: the rpc object over NATS is typed as over cluster IPC', () => {
  expectTypeOf(rpc.worker).toEqualTypeOf<WorkerRpc<typeof primaryRouter, typeof events>>();
});
