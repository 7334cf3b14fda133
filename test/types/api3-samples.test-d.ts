// biome-ignore-all format: the samples are copied verbatim from the public contract (API-3.md)
// biome-ignore-all assist/source/organizeImports: the sample's import line stays as written
// biome-ignore-all lint/suspicious/noExportsInTest: the samples export what the contract exports
// biome-ignore-all lint/correctness/noUnusedVariables: the samples name what they show
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: the samples take what the contract shows
/**
 * The code samples of the contract's part 3 (API-3.md) whose feature has
 * landed, verbatim, type-checked: one section after another, each inside a
 * namespace so their names do not clash. `api3-samples.test.ts` checks, where
 * API-3.md is at hand, that they are still verbatim.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { createClusterRpc, RpcError } from '../../src/index.js';
import { defineEvents, defineRouter, type PeerInfo, type PrimaryChange, procedure, type WorkerChange, type WorkerInfo } from '../../src/index.js';
import type { ErrorSite } from '../../src/types.js';
import { createClusterManager } from '../../src/cluster.js';
import { otelTracing } from '../../src/otel.js';
import { register } from 'prom-client';
import { promClientMetrics } from '../../src/prom-client.js';
import { socketTransport } from '../../src/socket.js';

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

// ---- section "When a handler fails" ----
namespace handlerFailsSample {
export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  onError: (error, where) => {
    // where: { side: 'primary' | 'worker'; kind: 'call' | 'stream' | 'event'; path: string; caller?: ctx.caller's shape }
    console.error(`${where.kind} ${where.path} failed on the ${where.side}`, error);
  },
});

export async function callIt() {
try {
  await rpc.worker.call('hits.increment', { by: 1 });
} catch (error) {
  if (error instanceof RpcError) console.log(JSON.stringify(error)); // {"name":"RpcError","code":…,"message":…}
}
}
}

// ---- section "Who is there" ----
namespace whoIsThereSample {
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events });

export function listen() {
const off = rpc.primary.onWorkers((change) => {
  // change.type: 'joined' | 'left'; change.worker: { workerId, pid, host }; change.reason: string on 'left'
  if (change.type === 'joined') void rpc.primary.call(change.worker.workerId, 'stats');
});
const offPrimary = rpc.worker.onPrimary((change) => {
  // change.type: 'joined' | 'left'; change.reason: string on 'left'
});
const me = rpc.worker.self(); // { workerId, pid, host }, or undefined until this worker has joined
return { off, offPrimary, me };
}
}

// ---- section "The process manager's signals" ----
namespace signalsSample {
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events });
export function start() {
const manager = createClusterManager({ rpc, signals: { shutdown: ['SIGTERM', 'SIGINT'], restart: 'SIGUSR2' } });
return manager;
}
}

// ---- section "Headers" ----
namespace headersSample {
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events });
export async function send() {
await rpc.worker.call('hits.increment', { by: 1 }, { headers: { 'x-request-id': 'r-42' } });
await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }, { headers: { 'x-request-id': 'r-42' } });
// In a handler or a middleware: ctx.headers['x-request-id']; in an event listener: meta.headers
}
export const read = procedure.use(({ ctx, next }) => next({ ctx: { requestId: ctx.headers['x-request-id'] } }));
}

// ---- section "Tracing" ----
namespace tracingSample {
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, tracing: otelTracing() });
}

// ---- section "Metrics that prom-client users can drop in" ----
namespace promClientSample {
export const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(register)] } });
}

// ---- section "A faster local channel: `cluster-rpc/socket`" ----
namespace socketSample {
// Under node:cluster: nothing to configure.
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, transport: socketTransport() });

// Where node:cluster is not the parent (PM2 cluster mode, systemd instances): a path and a role.
export const rpcUnderPm2 = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  transport: socketTransport({
    path: '/run/shop/rpc.sock',
    role: process.env.NODE_APP_INSTANCE === '0' ? 'primary' : 'worker',
  }),
});
}

describe('API-3 samples', () => {
  test('When a handler fails: onError is told the error and where, as the contract writes it', () => {
    type OnError = NonNullable<Parameters<typeof createClusterRpc>[0]>['onError'];
    expectTypeOf<OnError>().toEqualTypeOf<((error: unknown, where: ErrorSite) => void) | false | undefined>();
    expectTypeOf<ErrorSite['side']>().toEqualTypeOf<'primary' | 'worker'>();
    expectTypeOf<ErrorSite['kind']>().toEqualTypeOf<'call' | 'stream' | 'event'>();
    expectTypeOf<ErrorSite['path']>().toEqualTypeOf<string>();
    expectTypeOf<ErrorSite['caller']>().toEqualTypeOf<PeerInfo | undefined>();
    expectTypeOf(handlerFailsSample.callIt).returns.resolves.toEqualTypeOf<void>();
  });

  test('Who is there: the changes, the removers and self() are typed as the contract writes them', () => {
    type Sample = ReturnType<typeof whoIsThereSample.listen>;
    expectTypeOf<Sample['off']>().toEqualTypeOf<() => void>();
    expectTypeOf<Sample['offPrimary']>().toEqualTypeOf<() => void>();
    expectTypeOf<Sample['me']>().toEqualTypeOf<WorkerInfo | undefined>();
    expectTypeOf<WorkerChange['type']>().toEqualTypeOf<'joined' | 'left'>();
    expectTypeOf<WorkerChange['worker']>().toEqualTypeOf<WorkerInfo>();
    expectTypeOf<Extract<WorkerChange, { type: 'left' }>['reason']>().toEqualTypeOf<string>();
    expectTypeOf<Extract<PrimaryChange, { type: 'left' }>['reason']>().toEqualTypeOf<string>();
    expectTypeOf(hits).toEqualTypeOf<number>();
  });

  test('Signals, headers, tracing, prom-client and the socket: the samples build rpc objects of the same routers', () => {
    expectTypeOf(signalsSample.start).returns.toHaveProperty('start');
    expectTypeOf(headersSample.send).returns.resolves.toEqualTypeOf<void>();
    type Headers = Parameters<Parameters<typeof headersSample.read.handler>[0]>[0]['ctx']['headers'];
    expectTypeOf<Headers>().toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf(tracingSample.rpc).toEqualTypeOf(handlerFailsSample.rpc);
    expectTypeOf(promClientSample.rpc.side).toEqualTypeOf<'primary' | 'worker'>();
    expectTypeOf(socketSample.rpc).toEqualTypeOf(socketSample.rpcUnderPm2);
  });
});
