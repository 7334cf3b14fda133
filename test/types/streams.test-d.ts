import cluster from 'node:cluster';
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import {
  createClusterRpc,
  defineRouter,
  type Procedure,
  procedure,
  type RouterInput,
  type RouterOutput,
  type RpcStream,
} from '../../src/index.js';
import type { AnyProcedure, CallPath, StreamArgs, StreamPath, StreamProcedure } from '../../src/types.js';

const Line = z.object({ line: z.string(), at: z.date() });

const primaryRouter = defineRouter({
  /** Items typed by the output schema: callers get z.output, the generator yields z.input. */
  logs: procedure
    .input(z.object({ since: z.number() }))
    .output(Line.extend({ level: z.enum(['info', 'warn']).default('info') }))
    .stream(async function* ({ input, ctx }) {
      expectTypeOf(input).toEqualTypeOf<{ since: number }>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      yield { line: 'started', at: new Date(input.since) };
    }),
  /** Items typed by what the generator yields. */
  ticks: procedure.stream(async function* () {
    for (let tick = 0; ; tick++) yield tick;
  }),
  /** Constants yielded keep their literal types, as precise as what crosses. */
  phases: procedure.stream(async function* () {
    yield 'started';
    yield 'done';
  }),
  /** Any AsyncIterable, not only a generator. */
  rows: procedure.input(z.number()).stream(({ input }) => {
    const rows: AsyncIterable<{ id: number }> = (async function* () {
      yield { id: input };
    })();
    return rows;
  }),
  now: procedure.handler(() => new Date()),
});

const workerRouter = defineRouter({
  progress: procedure.output(z.number()).stream(async function* () {
    yield 50;
  }),
  stats: procedure.handler(() => ({ pid: process.pid })),
});

const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });
const worker = cluster.fork();

describe('the builder', () => {
  test('.stream ends it with a stream procedure', () => {
    expectTypeOf(primaryRouter).toExtend<
      ReturnType<
        typeof defineRouter<{
          ticks: StreamProcedure<undefined, number>;
        }>
      >
    >();
    const ticks = procedure.stream(async function* () {
      yield 'a';
    });
    expectTypeOf(ticks).toEqualTypeOf<Procedure<undefined, string, 'stream'>>();
    expectTypeOf(ticks).toExtend<AnyProcedure>();
    expectTypeOf(procedure.handler(() => 1)).toEqualTypeOf<Procedure<undefined, number>>();
    expectTypeOf(procedure.handler(() => 1)).toEqualTypeOf<Procedure<undefined, number, 'call'>>();
  });

  test('the generator must yield what the output schema accepts', () => {
    procedure.output(z.number()).stream(
      // @ts-expect-error a string item does not fit z.number()
      async function* () {
        yield 'one';
      },
    );
    // @ts-expect-error a stream returns an AsyncIterable, not a value
    procedure.stream(() => 1);
    // @ts-expect-error .stream ends the builder: nothing comes after it
    procedure.stream(async function* () {}).handler(() => 1);
  });
});

describe('rpc.worker.stream and rpc.primary.stream', () => {
  test('items are the output schema’s output type, or what the generator yields', () => {
    expectTypeOf(rpc.worker.stream('logs', { since: 0 })).toEqualTypeOf<
      RpcStream<{ line: string; at: Date; level: 'info' | 'warn' }>
    >();
    expectTypeOf(rpc.worker.stream('ticks')).toEqualTypeOf<RpcStream<number>>();
    expectTypeOf(rpc.worker.stream('phases')).toEqualTypeOf<RpcStream<'started' | 'done'>>();
    expectTypeOf(rpc.worker.stream('rows', 3)).toEqualTypeOf<RpcStream<{ id: number }>>();
    expectTypeOf(rpc.primary.stream(worker, 'progress')).toEqualTypeOf<RpcStream<number>>();
    expectTypeOf<RouterOutput<typeof primaryRouter, 'ticks'>>().toEqualTypeOf<number>();
    expectTypeOf<RouterInput<typeof primaryRouter, 'logs'>>().toEqualTypeOf<{ since: number }>();
  });

  test('a stream is read with for await', async () => {
    for await (const entry of rpc.worker.stream('logs', { since: 0 }, { timeout: 1000, highWaterMark: 4 })) {
      expectTypeOf(entry.at).toEqualTypeOf<Date>();
    }
    const stream = rpc.primary.stream(worker.id, 'progress', undefined, { signal: AbortSignal.timeout(100) });
    expectTypeOf(await stream.next()).toEqualTypeOf<IteratorResult<number, undefined>>();
    expectTypeOf(await stream.return()).toEqualTypeOf<IteratorReturnResult<undefined>>();
  });

  test('inputs and options are checked', () => {
    // @ts-expect-error the input is required
    rpc.worker.stream('logs');
    // @ts-expect-error since is a number
    rpc.worker.stream('logs', { since: '0' });
    // @ts-expect-error ticks takes no input
    rpc.worker.stream('ticks', 1);
    // @ts-expect-error highWaterMark is a number
    rpc.worker.stream('ticks', undefined, { highWaterMark: '16' });
    // @ts-expect-error no such option
    rpc.worker.stream('ticks', undefined, { timout: 5 });
  });

  test('stream on a plain procedure and call on a stream procedure do not compile', () => {
    // @ts-expect-error 'now' is a call, not a stream
    rpc.worker.stream('now');
    // @ts-expect-error 'ticks' is a stream, not a call
    rpc.worker.call('ticks');
    // @ts-expect-error 'progress' is a stream, not a call
    rpc.primary.call(worker, 'progress');
    // @ts-expect-error 'progress' is a stream, not a call
    rpc.primary.callAll('progress');
    // @ts-expect-error 'stats' is a call, not a stream
    rpc.primary.stream(worker, 'stats');
  });
});

describe('type helpers', () => {
  test('CallPath and StreamPath split a router’s paths by kind', () => {
    expectTypeOf<CallPath<typeof primaryRouter>>().toEqualTypeOf<'now'>();
    expectTypeOf<StreamPath<typeof primaryRouter>>().toEqualTypeOf<'logs' | 'ticks' | 'phases' | 'rows'>();
    expectTypeOf<StreamArgs<undefined>>().toEqualTypeOf<
      [input?: undefined, options?: import('../../src/index.js').StreamOptions]
    >();
  });
});
