// biome-ignore-all format: the samples are copied verbatim from the public contract (API.md)
// biome-ignore-all lint/suspicious/noExportsInTest: verbatim samples export their routers
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: verbatim samples name listener parameters they do not use
// biome-ignore-all lint/correctness/noUnusedVariables: verbatim samples keep results they do not use
// biome-ignore-all assist/source/organizeImports: the sample's import line stays as written
/**
 * Every code sample of the public contract (API.md), verbatim, type-checked.
 * Adapted only as far as needed to be one module: the samples after the first
 * are the bodies of functions (so their `const`s do not clash), `cluster` is
 * imported, and the first sample's import line names the package source.
 * `api-samples.test.ts` checks, where API.md is at hand, that they are still verbatim.
 */
import cluster from 'node:cluster';
import { describe, expectTypeOf, test } from 'vitest';
import type { CallAllResult } from '../../src/index.js';

// ---- sample 1: "Defining routers and events (loaded in both processes)" ----
import { z } from 'zod';
import { defineRouter, procedure, defineEvents, createClusterRpc } from '../../src/index.js';

let hits = 0;
export const primaryRouter = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: z.number().int().positive() }))
      .output(z.number())
      .handler(({ input }) => (hits += input.by)),
  },
  now: procedure.handler(() => new Date()),          // no input
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
  primary: primaryRouter,   // served in the primary, called by workers
  worker: workerRouter,     // served in every worker, called by the primary
  events,
  timeout: 10_000,          // default per-call timeout in ms (optional; default 30_000)
  maxPayloadBytes: 1 << 20, // largest serialised message (optional; default 16 MiB)
});

// ---- sample 2: "Worker side: rpc.worker" ----
async function workerSample() {
const total = await rpc.worker.call('hits.increment', { by: 1 });          // number
const at = await rpc.worker.call('now');                                    // Date
const ac = new AbortController();
await rpc.worker.call('hits.increment', { by: 1 }, { timeout: 500, signal: ac.signal });
const off = rpc.worker.on('configChanged', (payload, meta) => { /* meta.from */ });
rpc.worker.emit('requestServed', { path: '/', ms: 3 });          // to the primary's listeners
rpc.worker.broadcast('configChanged', { key: 'a', value: 'b' }); // to the primary and all other workers
return { total, at, off };
}

// ---- sample 3: "Primary side: rpc.primary" ----
async function primarySample() {
const worker = cluster.fork();
const s = await rpc.primary.call(worker, 'stats');          // a cluster Worker or its id
const all = await rpc.primary.callAll('stats', undefined, { timeout: 1000 });
// all: Array<{ workerId: number; status: 'fulfilled'; value: T }
//          | { workerId: number; status: 'rejected'; error: RpcError }>, ordered by workerId
const delivered = await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }); // count
const off = rpc.primary.on('requestServed', (payload, meta) => { /* meta.workerId, meta.pid */ });
return { s, all, delivered, off };
}

describe('the samples of the public contract infer what it promises', () => {
  test('worker side: call results, listener removal', async () => {
    const { total, at, off } = await workerSample();
    expectTypeOf(total).toEqualTypeOf<number>();
    expectTypeOf(at).toEqualTypeOf<Date>();
    expectTypeOf(off).toEqualTypeOf<() => void>();
  });

  test('primary side: call result, callAll entries, broadcast count', async () => {
    const { s, all, delivered, off } = await primarySample();
    type Stats = { pid: number; requestId: string };
    expectTypeOf(s).toEqualTypeOf<Stats>();
    expectTypeOf(all).toEqualTypeOf<Array<CallAllResult<Stats>>>();
    expectTypeOf(delivered).toEqualTypeOf<number>();
    expectTypeOf(off).toEqualTypeOf<() => void>();
  });

  test('the listeners of the samples receive the schema output and the sender', () => {
    rpc.worker.on('configChanged', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ key: string; value: string }>();
      expectTypeOf(meta.from.side).toEqualTypeOf<'primary' | 'worker'>();
    });
    rpc.primary.on('requestServed', (payload, meta) => {
      expectTypeOf(payload).toEqualTypeOf<{ path: string; ms: number }>();
      expectTypeOf(meta).toEqualTypeOf<{
        readonly workerId: number;
        readonly pid: number;
        readonly host: string;
        readonly headers: Readonly<Record<string, string>>;
      }>();
    });
    rpc.worker.emit('flush');
    expectTypeOf(hits).toEqualTypeOf<number>();
  });
});
