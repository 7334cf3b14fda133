import cluster, { type Worker } from 'node:cluster';
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import {
  type CallAllResult,
  type ClusterRpc,
  createClusterRpc,
  defineRouter,
  type EmptyRouter,
  type NoEvents,
  type PrimaryRpc,
  procedure,
  type RpcError,
  type WorkerRpc,
} from '../../src/index.js';

/** Different on each side of the call: the caller sends a string, the handler gets a number. */
const count = z.string().transform((text) => Number.parseInt(text, 10));

const primaryRouter = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: count, note: z.string().default('') }))
      .output(z.number())
      .handler(({ input }) => input.by),
  },
  now: procedure.handler(() => new Date()),
  maybe: procedure.input(z.string().optional()).handler(({ input }) => input ?? 'none'),
  tags: procedure.output(z.array(z.string()).transform((list) => new Set(list))).handler(async () => ['a', 'b']),
});

const workerRouter = defineRouter({
  stats: procedure.handler(({ ctx }) => ({ pid: process.pid, requestId: ctx.requestId })),
  cache: { get: procedure.input(z.object({ key: z.string() })).handler(({ input }) => new Map([[input.key, 1n]])) },
});

const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });
const worker = cluster.fork();

describe('createClusterRpc infers both routers', () => {
  test('the rpc object carries the routers and the event set', () => {
    expectTypeOf(rpc).toEqualTypeOf<ClusterRpc<typeof primaryRouter, typeof workerRouter, NoEvents>>();
    expectTypeOf(rpc.worker).toEqualTypeOf<WorkerRpc<typeof primaryRouter, NoEvents>>();
    expectTypeOf(rpc.primary).toEqualTypeOf<PrimaryRpc<typeof workerRouter, NoEvents>>();
    expectTypeOf(rpc.side).toEqualTypeOf<'primary' | 'worker'>();
    expectTypeOf(rpc.close).toEqualTypeOf<(options?: { readonly grace?: number }) => Promise<void>>();
    expectTypeOf(rpc.pendingCount()).toEqualTypeOf<number>();
  });

  test('with no options, neither side has procedures', () => {
    const empty = createClusterRpc();
    expectTypeOf(empty).toEqualTypeOf<ClusterRpc<EmptyRouter, EmptyRouter, NoEvents>>();
    // @ts-expect-error no procedure on the primary
    empty.worker.call('anything');
  });

  test('options are typed', () => {
    // @ts-expect-error timeout is a number of milliseconds
    createClusterRpc({ timeout: '10s' });
    // @ts-expect-error the router must come from defineRouter
    createClusterRpc({ primary: { now: procedure.handler(() => 1) } });
    // @ts-expect-error unknown option
    createClusterRpc({ timout: 1000 });
  });
});

describe('rpc.worker.call: a worker calls the primary', () => {
  test('results: z.output of .output, else the awaited handler result', async () => {
    expectTypeOf(await rpc.worker.call('hits.increment', { by: '2' })).toEqualTypeOf<number>();
    expectTypeOf(await rpc.worker.call('now')).toEqualTypeOf<Date>();
    expectTypeOf(await rpc.worker.call('tags')).toEqualTypeOf<Set<string>>();
    expectTypeOf(await rpc.worker.call('maybe')).toEqualTypeOf<string>();
  });

  test('inputs: the caller passes z.input (before transforms; defaulted fields optional)', () => {
    expectTypeOf(rpc.worker.call<'hits.increment'>)
      .parameter(1)
      .toEqualTypeOf<{ by: string; note?: string | undefined }>();
    rpc.worker.call('hits.increment', { by: '2', note: 'x' });
    rpc.worker.call('maybe', 'x');
    rpc.worker.call('maybe', undefined, { timeout: 100 });
  });

  test('options: timeout and signal', () => {
    const ac = new AbortController();
    rpc.worker.call('now', undefined, { timeout: 500, signal: ac.signal });
    // @ts-expect-error timeout is a number
    rpc.worker.call('now', undefined, { timeout: '500' });
    // @ts-expect-error unknown option
    rpc.worker.call('now', undefined, { retries: 3 });
  });

  test('wrong calls are compile errors', () => {
    // @ts-expect-error unknown path
    rpc.worker.call('hits.decrement', { by: '1' });
    // @ts-expect-error a nested object is not a procedure
    rpc.worker.call('hits');
    // @ts-expect-error missing input
    rpc.worker.call('hits.increment');
    // @ts-expect-error the input is the schema's input type (string), not its output (number)
    rpc.worker.call('hits.increment', { by: 2 });
    // @ts-expect-error a misspelt field
    rpc.worker.call('hits.increment', { bye: '2' });
    // @ts-expect-error an input given to a procedure that takes none
    rpc.worker.call('now', { at: 1 });
    // @ts-expect-error a path the workers serve, called on the primary's router
    rpc.worker.call('stats');
  });
});

describe('rpc.primary.call / callAll: the primary calls workers', () => {
  test('call takes a Worker or its id and returns the handler result', async () => {
    type Stats = { pid: number; requestId: string };
    expectTypeOf(await rpc.primary.call(worker, 'stats')).toEqualTypeOf<Stats>();
    expectTypeOf(await rpc.primary.call(worker.id, 'stats')).toEqualTypeOf<Stats>();
    expectTypeOf(await rpc.primary.call(1, 'cache.get', { key: 'k' })).toEqualTypeOf<Map<string, bigint>>();
    expectTypeOf(rpc.primary.call<'stats'>)
      .parameter(0)
      .toEqualTypeOf<Worker | number>();
  });

  test('callAll gives one settled entry per worker with the inferred value', async () => {
    const all = await rpc.primary.callAll('cache.get', { key: 'k' }, { timeout: 1000 });
    expectTypeOf(all).toEqualTypeOf<Array<CallAllResult<Map<string, bigint>>>>();
    const [first] = all;
    if (first?.status === 'fulfilled') expectTypeOf(first.value).toEqualTypeOf<Map<string, bigint>>();
    if (first?.status === 'rejected') expectTypeOf(first.error).toEqualTypeOf<RpcError>();
    expectTypeOf(first?.workerId).toEqualTypeOf<number | undefined>();
    const stats = await rpc.primary.callAll('stats');
    expectTypeOf(stats).toEqualTypeOf<Array<CallAllResult<{ pid: number; requestId: string }>>>();
  });

  test('wrong calls are compile errors', () => {
    // @ts-expect-error a path the primary serves, called on the workers' router
    rpc.primary.call(worker, 'hits.increment', { by: '1' });
    // @ts-expect-error the same through callAll
    rpc.primary.callAll('now');
    // @ts-expect-error no worker given
    rpc.primary.call('stats');
    // @ts-expect-error a worker is a Worker or its numeric id
    rpc.primary.call('1', 'stats');
    // @ts-expect-error a nested object is not a procedure
    rpc.primary.call(worker, 'cache');
    // @ts-expect-error missing input
    rpc.primary.call(worker, 'cache.get');
    // @ts-expect-error wrongly typed input
    rpc.primary.callAll('cache.get', { key: 1 });
    // @ts-expect-error an input given to a procedure that takes none
    rpc.primary.callAll('stats', { verbose: true });
  });
});

describe('a handler that calls the other side through the rpc object it belongs to', () => {
  const relayPrimary = defineRouter({ now: procedure.handler(() => new Date()) });
  const relayWorker = defineRouter({
    // The return type breaks the cycle router -> rpc -> router; the overview says so.
    stamp: procedure.input(z.string()).handler(async ({ input }): Promise<string> => {
      const at = await relayRpc.worker.call('now');
      return `${input} at ${at.toISOString()}`;
    }),
  });
  const relayRpc = createClusterRpc({ primary: relayPrimary, worker: relayWorker });

  test('compiles with the handler return type given, and keeps every type', async () => {
    expectTypeOf(await relayRpc.primary.call(1, 'stamp', 'x')).toEqualTypeOf<string>();
    expectTypeOf(await relayRpc.worker.call('now')).toEqualTypeOf<Date>();
  });
});
