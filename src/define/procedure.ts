/** The immutable `procedure` builder: input and output schemas, middlewares, then the handler. @module */
import type { ProcedureContext } from './context.js';
import type { AnyMiddleware, MiddlewareArgs, MiddlewareResult } from './middleware.js';
import type { Schema, SchemaInput, SchemaOutput } from './schema.js';
import { isSchema } from './schema.js';

/**
 * What a handler receives: the parsed input and the call's context. Name it to write a handler as a separate function.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 * import type { HandlerArgs } from 'cluster-rpc/types';
 * const greet = ({ input }: HandlerArgs<string>): string => `Hello, ${input}`;
 * const hello = procedure.input(z.string()).handler(greet);
 * ```
 * @group Define
 */
export interface HandlerArgs<TInput, TContext = ProcedureContext> {
  /** The input after the input schema parsed it (`z.output`), or `undefined` for a procedure without input. */
  readonly input: TInput;
  /** The call's context, with what middlewares added. */
  readonly ctx: TContext;
}

/** The runtime part of a procedure, kept off its public type. @internal */
export interface ProcedureDef {
  readonly input: Schema | undefined;
  readonly output: Schema | undefined;
  readonly middlewares: readonly AnyMiddleware[];
  /** A call's handler, or a stream's function returning an `AsyncIterable`. */
  readonly handler: (args: HandlerArgs<unknown>) => unknown;
  /** Set for procedures ended with `.stream()`: read with `stream()`, never called. */
  readonly stream?: true;
}

/**
 * `'call'` for a procedure ended with `.handler`, `'stream'` for one ended with `.stream`.
 * @example
 * ```ts
 * import type { Procedure } from 'cluster-rpc';
 * import type { ProcedureKind } from 'cluster-rpc/types';
 * type KindOf<TProcedure> = TProcedure extends Procedure<unknown, unknown, infer TKind> ? TKind : never;
 * const kind: ProcedureKind = 'stream' satisfies KindOf<Procedure<undefined, number, 'stream'>>;
 * ```
 * @group Define
 */
export type ProcedureKind = 'call' | 'stream';

declare const types: unique symbol;

/** The symbol under which a procedure keeps its runtime definition. @internal */
export const PROCEDURE: unique symbol = Symbol('cluster-rpc.procedure');

/**
 * A finished procedure ({@link procedure}) for a router; its type holds callers' `TInput` and `TOutput` (per stream item).
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { type Procedure, procedure } from 'cluster-rpc';
 * const length: Procedure<string, number> = procedure.input(z.string()).handler(({ input }) => input.length);
 * ```
 * @group Define
 */
export interface Procedure<TInput, TOutput, TKind extends ProcedureKind = 'call'> {
  /** @internal */
  readonly [PROCEDURE]: ProcedureDef;
  /** Carries the types for inference only; never set at run time. @internal */
  readonly [types]?: { readonly input: TInput; readonly output: TOutput; readonly kind: TKind };
}

/**
 * A procedure ended with `.stream`: callers read its items with `stream`.
 * @example
 * ```ts
 * import { procedure } from 'cluster-rpc';
 * import type { StreamProcedure } from 'cluster-rpc/types';
 * const countdown: StreamProcedure<undefined, number> = procedure.stream(async function* () { yield* [3, 2, 1]; });
 * ```
 * @group Define
 */
export type StreamProcedure<TInput, TItem> = Procedure<TInput, TItem, 'stream'>;

/**
 * Any procedure, call or stream, whatever its types: a constraint for code that handles procedures generically.
 * @example
 * ```ts
 * import { procedure } from 'cluster-rpc';
 * import type { AnyProcedure } from 'cluster-rpc/types';
 * const withHealth = <T extends Record<string, AnyProcedure>>(shape: T) => ({ ...shape, health: procedure.handler(() => 'ok') });
 * ```
 * @group Type helpers
 */
export type AnyProcedure = Procedure<unknown, unknown, ProcedureKind>;

declare const unset: unique symbol;

/**
 * The type of a builder step not taken (no `.input` or `.output` yet), for declarations of a module sharing a builder.
 * @example
 * ```ts
 * import { procedure, type Unset } from 'cluster-rpc';
 * type NoInputYet = typeof procedure extends { input: unknown } ? Unset : never;
 * ```
 * @group Type helpers
 */
export interface Unset {
  /** A brand no value carries. */
  readonly [unset]: true;
}

type CallerInput<TIn> = [TIn] extends [Unset] ? undefined : SchemaInput<TIn>;
type HandlerInput<TIn> = [TIn] extends [Unset] ? undefined : SchemaOutput<TIn>;
type HandlerResult<TOut> = [TOut] extends [Unset] ? unknown : SchemaInput<TOut> | Promise<SchemaInput<TOut>>;
type CallerOutput<TOut, TReturn> = [TOut] extends [Unset] ? Awaited<TReturn> : SchemaOutput<TOut>;
/** A middleware sees the parsed input only if `.input()` came first. */
type MiddlewareInput<TIn> = [TIn] extends [Unset] ? unknown : SchemaOutput<TIn>;
/** The context after a middleware added `TAdded`: its keys replace those of the same name. */
type WithAdded<TContext, TAdded> = [keyof TAdded] extends [never]
  ? TContext
  : [keyof TAdded & keyof TContext] extends [never]
    ? TContext & TAdded
    : Omit<TContext, keyof TAdded> & TAdded;

/**
 * The immutable builder behind {@link procedure}: each method returns a new builder, so a partly built one can be
 * shared. `.input` and `.output` once each, `.use` any number of times, then `.handler` or `.stream`.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 * const byId = procedure.input(z.object({ id: z.uuid() })); // a builder, shared
 * const getUser = byId.handler(({ input }) => ({ id: input.id, name: 'Ada' }));
 * const deleteUser = byId.output(z.boolean()).handler(() => true);
 * ```
 * @group Define
 */
export interface ProcedureBuilder<TIn, TOut, TContext = ProcedureContext> {
  /**
   * Sets the input schema (zod or any Standard Schema): callers pass its input type, the handler receives its output
   * type, and an input that fails it is `BAD_REQUEST`. Without one, any input is `BAD_REQUEST`.
   * @throws `TypeError` when `schema` is not a schema.
   */
  input: [TIn] extends [Unset]
    ? <TSchema extends Schema>(schema: TSchema) => ProcedureBuilder<TSchema, TOut, TContext>
    : (schema: 'input() was already given: a procedure takes one input schema') => never;
  /**
   * Sets the output schema: the handler returns its input type, callers receive its output type, and a result that
   * fails it is `OUTPUT_INVALID`. Without one, callers receive what the handler returns, unchecked.
   * @throws `TypeError` when `schema` is not a schema.
   */
  output: [TOut] extends [Unset]
    ? <TSchema extends Schema>(schema: TSchema) => ProcedureBuilder<TIn, TSchema, TContext>
    : (schema: 'output() was already given: a procedure takes one output schema') => never;
  /**
   * Adds a middleware, run after the input is validated: `next()` runs the rest of the chain, and `next({ ctx })`
   * adds to the context it receives, typed. What it returns is the call's result; what it throws, the call's error.
   * @throws `TypeError` when `fn` is not a function.
   * @example
   * ```ts
   * import { procedure } from 'cluster-rpc';
   * const authed = procedure.use(({ ctx, next }) => next({ ctx: { user: ctx.headers['x-user'] ?? 'anonymous' } }));
   * const whoami = authed.handler(({ ctx }) => ctx.user); // string
   * ```
   */
  use<TAdded extends object = Record<never, never>>(
    fn: (args: MiddlewareArgs<TContext, MiddlewareInput<TIn>>) => MiddlewareResult<TAdded> | Promise<MiddlewareResult<TAdded>>,
  ): ProcedureBuilder<TIn, TOut, WithAdded<TContext, TAdded>>;
  /**
   * Ends the builder with the function that serves the call. An {@link cluster-rpc!RpcError} it throws reaches the
   * caller as thrown; anything else as `INTERNAL_ERROR`.
   * @throws `TypeError` when `fn` is not a function.
   */
  handler<TReturn extends HandlerResult<TOut>>(
    fn: (args: HandlerArgs<HandlerInput<TIn>, TContext>) => TReturn,
  ): Procedure<CallerInput<TIn>, CallerOutput<TOut, TReturn>>;
  /**
   * Ends the builder with a stream: `fn` returns an `AsyncIterable` (an async generator) whose items, checked by the
   * output schema if any, callers read with `stream`. The generator is resumed only while the reader has room; when
   * the reader stops or goes away, `ctx.signal` aborts and the generator is returned, so its `finally` blocks run.
   * @throws `TypeError` when `fn` is not a function.
   */
  stream: [TOut] extends [Unset]
    ? <TItem>(
        fn: (args: HandlerArgs<HandlerInput<TIn>, TContext>) => AsyncIterable<TItem>,
      ) => Procedure<CallerInput<TIn>, TItem, 'stream'>
    : (
        fn: (args: HandlerArgs<HandlerInput<TIn>, TContext>) => AsyncIterable<SchemaInput<TOut>>,
      ) => Procedure<CallerInput<TIn>, SchemaOutput<TOut>, 'stream'>;
}

/** Marks an unfinished builder, so `defineRouter` can say `.handler()` is missing. @internal */
export const BUILDER: unique symbol = Symbol('cluster-rpc.builder');

const NO_MIDDLEWARES: readonly AnyMiddleware[] = Object.freeze([]);

function createBuilder(
  input: Schema | undefined,
  output: Schema | undefined,
  middlewares: readonly AnyMiddleware[] = NO_MIDDLEWARES,
): ProcedureBuilder<unknown, unknown> {
  const builder = {
    [BUILDER]: true,
    input(schema: unknown) {
      if (input) throw new TypeError('procedure.input() was already given for this procedure');
      if (!isSchema(schema)) throw new TypeError(`procedure.input() expects a zod or Standard Schema, got ${typeof schema}`);
      return createBuilder(schema, output, middlewares);
    },
    output(schema: unknown) {
      if (output) throw new TypeError('procedure.output() was already given for this procedure');
      if (!isSchema(schema)) throw new TypeError(`procedure.output() expects a zod or Standard Schema, got ${typeof schema}`);
      return createBuilder(input, schema, middlewares);
    },
    use(fn: unknown) {
      if (typeof fn !== 'function') throw new TypeError(`procedure.use() expects a middleware function, got ${typeof fn}`);
      return createBuilder(input, output, Object.freeze([...middlewares, fn as AnyMiddleware]));
    },
    handler(fn: unknown) {
      if (typeof fn !== 'function') throw new TypeError(`procedure.handler() expects a function, got ${typeof fn}`);
      const def: ProcedureDef = { input, output, middlewares, handler: fn as ProcedureDef['handler'] };
      return Object.freeze({ [PROCEDURE]: Object.freeze(def) });
    },
    stream(fn: unknown) {
      if (typeof fn !== 'function') throw new TypeError(`procedure.stream() expects a function, got ${typeof fn}`);
      const def: ProcedureDef = { input, output, middlewares, handler: fn as ProcedureDef['handler'], stream: true };
      return Object.freeze({ [PROCEDURE]: Object.freeze(def) });
    },
  };
  return Object.freeze(builder) as unknown as ProcedureBuilder<unknown, unknown>;
}

/**
 * The starting point of every procedure: `.input(schema)` and `.output(schema)` as needed, then `.handler(fn)` or
 * `.stream(fn)` (see {@link ProcedureBuilder}); the result goes into {@link defineRouter}.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 * const increment = procedure.input(z.object({ by: z.number() })).output(z.number()).handler(({ input }) => input.by + 1);
 * const now = procedure.handler(() => new Date()); // no input
 * ```
 * @group Define
 */
export const procedure: ProcedureBuilder<Unset, Unset> = createBuilder(undefined, undefined) as unknown as ProcedureBuilder<
  Unset,
  Unset
>;

/** True when `value` is a builder from {@link procedure} that was never ended with `.handler()`. @internal */
export function isProcedureBuilder(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, BUILDER);
}

export function isProcedure(value: unknown): value is AnyProcedure {
  // Own key only: an object literal with `__proto__: someProcedure` must not pass for one.
  return typeof value === 'object' && value !== null && Object.hasOwn(value, PROCEDURE);
}
