import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import {
  type CallOptions,
  defineRouter,
  type EmptyRouter,
  type Procedure,
  procedure,
  type Router,
  type RouterInput,
  type RouterOutput,
  type RouterPath,
} from '../../src/index.js';
import type { AnyRouter, CallArgs, FlattenShape, ProceduresOf } from '../../src/types.js';

const admin = defineRouter({
  stop: procedure.input(z.object({ graceMs: z.number().default(0) })).handler(() => true),
});

const router = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: z.number().int().positive() }))
      .output(z.number())
      .handler(({ input }) => input.by),
    deep: { reset: procedure.handler(() => undefined) },
  },
  now: procedure.handler(() => new Date()),
  parse: procedure
    .input(z.string().transform((text) => text.split(',')))
    .output(z.array(z.string()).transform((parts) => new Set(parts)))
    .handler(({ input }) => input),
  admin,
});
type AppRouter = typeof router;

describe('defineRouter flattens nested objects and routers into dotted paths', () => {
  test('the router type lists every procedure by its full path', () => {
    expectTypeOf(router).toEqualTypeOf<
      Router<{
        'hits.increment': Procedure<{ by: number }, number>;
        'hits.deep.reset': Procedure<undefined, undefined>;
        now: Procedure<undefined, Date>;
        parse: Procedure<string, Set<string>>;
        'admin.stop': Procedure<{ graceMs?: number | undefined }, boolean>;
      }>
    >();
    expectTypeOf(router).toExtend<AnyRouter>();
  });

  test('FlattenShape and ProceduresOf name the flat record', () => {
    type Shape = { a: { b: Procedure<string, number> }; c: Procedure<undefined, Date> };
    expectTypeOf<FlattenShape<Shape>>().toEqualTypeOf<{ 'a.b': Procedure<string, number>; c: Procedure<undefined, Date> }>();
    expectTypeOf<ProceduresOf<typeof admin>>().toEqualTypeOf<{ stop: Procedure<{ graceMs?: number | undefined }, boolean> }>();
  });

  test('an empty router has no paths', () => {
    expectTypeOf(defineRouter({})).toEqualTypeOf<EmptyRouter>();
    expectTypeOf<RouterPath<EmptyRouter>>().toEqualTypeOf<never>();
  });
});

describe('helper types: RouterPath, RouterInput, RouterOutput, CallArgs', () => {
  test('RouterPath is the union of leaf paths; routers and nested objects are not paths', () => {
    expectTypeOf<RouterPath<AppRouter>>().toEqualTypeOf<'hits.increment' | 'hits.deep.reset' | 'now' | 'parse' | 'admin.stop'>();
    // @ts-expect-error 'hits' is a nested object, not a procedure
    const notLeaf: RouterPath<AppRouter> = 'hits';
    // @ts-expect-error 'admin' is a router, not a procedure
    const nestedRouter: RouterPath<AppRouter> = 'admin';
    // @ts-expect-error no such path
    const unknown: RouterPath<AppRouter> = 'hits.decrement';
    void [notLeaf, nestedRouter, unknown];
  });

  test('RouterInput is what callers pass (z.input); undefined for a procedure without input', () => {
    expectTypeOf<RouterInput<AppRouter, 'hits.increment'>>().toEqualTypeOf<{ by: number }>();
    expectTypeOf<RouterInput<AppRouter, 'parse'>>().toEqualTypeOf<string>();
    expectTypeOf<RouterInput<AppRouter, 'admin.stop'>>().toEqualTypeOf<{ graceMs?: number | undefined }>();
    expectTypeOf<RouterInput<AppRouter, 'now'>>().toEqualTypeOf<undefined>();
  });

  test('RouterOutput is what callers receive: z.output of .output, else the awaited handler result', () => {
    expectTypeOf<RouterOutput<AppRouter, 'hits.increment'>>().toEqualTypeOf<number>();
    expectTypeOf<RouterOutput<AppRouter, 'parse'>>().toEqualTypeOf<Set<string>>();
    expectTypeOf<RouterOutput<AppRouter, 'now'>>().toEqualTypeOf<Date>();
    expectTypeOf<RouterOutput<AppRouter, 'hits.deep.reset'>>().toEqualTypeOf<undefined>();
  });

  test('RouterInput and RouterOutput refuse a path the router does not have', () => {
    // @ts-expect-error not a path of the router
    type NoInput = RouterInput<AppRouter, 'hits'>;
    // @ts-expect-error not a path of the router
    type NoOutput = RouterOutput<AppRouter, 'nope'>;
    expectTypeOf<NoInput | NoOutput>().toBeNever();
  });

  test('CallArgs makes the input optional exactly when the procedure accepts undefined', () => {
    expectTypeOf<CallArgs<undefined>>().toEqualTypeOf<[input?: undefined, options?: CallOptions]>();
    expectTypeOf<CallArgs<{ by: number }>>().toEqualTypeOf<[input: { by: number }, options?: CallOptions]>();
    expectTypeOf<CallArgs<string | undefined>>().toEqualTypeOf<[input?: string | undefined, options?: CallOptions]>();
  });
});

describe('defineRouter: definition mistakes are compile errors', () => {
  const ping = procedure.handler(() => 'pong');

  test('a key with a dot', () => {
    // @ts-expect-error Router keys cannot be empty or contain a dot: nest objects instead
    defineRouter({ 'hits.increment': ping });
    // @ts-expect-error the same, nested
    defineRouter({ hits: { 'a.b': ping } });
  });

  test('an empty key', () => {
    // @ts-expect-error Router keys cannot be empty or contain a dot
    defineRouter({ '': ping });
  });

  test('__proto__ as a key', () => {
    // @ts-expect-error '__proto__' cannot be a router key
    defineRouter({ __proto__: ping });
    // @ts-expect-error '__proto__' cannot be a router key, computed either
    defineRouter({ ['__proto__']: ping });
  });

  test('values that are not procedures', () => {
    // @ts-expect-error a builder without .handler() is not a procedure yet
    defineRouter({ ping: procedure.input(z.string()) });
    // @ts-expect-error a plain function is not a procedure
    defineRouter({ ping: () => 'pong' });
    // @ts-expect-error numbers, strings and null are not procedures
    defineRouter({ ping: 1 });
    // @ts-expect-error deep inside too
    defineRouter({ a: { b: { c: 'pong' } } });
    // @ts-expect-error null
    defineRouter({ a: null });
  });

  test('duplicate keys in one object literal', () => {
    defineRouter({
      // biome-ignore lint/suspicious/noDuplicateObjectKeys: the duplicate is what this test is about
      ping,
      // @ts-expect-error An object literal cannot have multiple properties with the same name
      ping,
    });
  });

  test('a nested object with a key named like a builder method is still a nested object', () => {
    const r = defineRouter({ jobs: { handler: ping, input: ping } });
    expectTypeOf<RouterPath<typeof r>>().toEqualTypeOf<'jobs.handler' | 'jobs.input'>();
  });
});
