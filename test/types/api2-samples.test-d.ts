// biome-ignore-all format: the samples are copied verbatim from the public contract (API-2.md)
// biome-ignore-all assist/source/organizeImports: the sample's import line stays as written
// biome-ignore-all lint/suspicious/noExportsInTest: the samples export what the contract exports
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the samples destructure what the contract shows
/**
 * The code samples of the contract's part 2 (API-2.md) whose feature has
 * landed, verbatim, type-checked: one section after another, each inside a
 * function so their names do not clash. `api2-samples.test.ts` checks, where
 * API-2.md is at hand, that they are still verbatim.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { type ClusterMetrics, createClusterRpc, defineEvents, defineRouter, procedure, type PrimaryRpc, type WorkerRpc } from '../../src/index.js';

let hits = 0;
const primaryRouter = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: z.number().int().positive() }))
      .output(z.number())
      .handler(({ input }) => (hits += input.by)),
  },
});
const workerRouter = defineRouter({
  stats: procedure.handler(({ ctx }) => ({ pid: process.pid, requestId: ctx.requestId })),
});
const events = defineEvents({ configChanged: z.object({ key: z.string(), value: z.string() }) });

// ---- section "Testing without processes" ----
import { createTestCluster } from '../../src/testing.js';

async function testingSample() {
const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, events, workers: 3 });
await cluster.workers[0].call('hits.increment', { by: 1 });   // a WorkerRpc: worker id 1
const stats = await cluster.primary.callAll('stats');          // a PrimaryRpc over the 3 workers
cluster.kill(2);                                               // worker 2 dies: DISCONNECTED, as for a real death
await cluster.close();
return { cluster, stats };
}

// ---- section "Middleware" ----
const timings: Array<[string, number]> = [];
function record(path: string, ms: number): void {
  timings.push([path, ms]);
}

namespace middlewareSample {
const timed = procedure.use(async ({ path, ctx, next }) => {
  const started = performance.now();
  try {
    return await next();
  } finally {
    record(path, performance.now() - started);
  }
});
const tenant = timed.use(({ next }) => next({ ctx: { tenant: 'acme' } }));
export const primaryRouter = defineRouter({
  whoami: tenant.handler(({ ctx }) => ctx.tenant), // string, typed
});
}

// ---- section "Metrics" ----
namespace metricsSample {
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, metrics: true });

export async function gather() {
const snapshot = await rpc.primary.metrics();                        // every process, gathered
const text = await rpc.primary.metrics({ format: 'prometheus' });   // Prometheus text format 0.0.4
return { snapshot, text };
}
}

describe('API-2 samples', () => {
  test('Middleware: the context a middleware adds is typed in the handler', () => {
    expectTypeOf(middlewareSample.primaryRouter).toEqualTypeOf(defineRouter({ whoami: procedure.handler(() => 'acme') }));
  });

  test('Metrics: the gather is typed, as data or as text', () => {
    type Gathered = Awaited<ReturnType<typeof metricsSample.gather>>;
    expectTypeOf<Gathered['snapshot']>().toEqualTypeOf<ClusterMetrics>();
    expectTypeOf<Gathered['text']>().toEqualTypeOf<string>();
  });

  test('Testing without processes: the members are typed like a real primary and worker', () => {
    type Sample = Awaited<ReturnType<typeof testingSample>>;
    expectTypeOf<Sample['cluster']['primary']>().toEqualTypeOf<PrimaryRpc<typeof workerRouter, typeof events>>();
    expectTypeOf<Sample['cluster']['workers'][number]>().toEqualTypeOf<WorkerRpc<typeof primaryRouter, typeof events>>();
    expectTypeOf<Sample['stats'][number]['workerId']>().toEqualTypeOf<number>();
    expectTypeOf(hits).toEqualTypeOf<number>();
  });
});
