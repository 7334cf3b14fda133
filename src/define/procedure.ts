/**
 * The immutable `procedure` builder: an optional input schema, an optional
 * output schema, middlewares, then the handler.
 *
 * @module
 */
import type { ProcedureContext } from './context.js';
import type { AnyMiddleware, MiddlewareArgs, MiddlewareResult } from './middleware.js';
import type { Schema, SchemaInput, SchemaOutput } from './schema.js';
import { isSchema } from './schema.js';

/**
 * What a handler receives: the parsed input and the call's context. Name it
 * to write a handler as a separate function.
 *
 * @typeParam TInput - The input schema's output type (`z.output`), or `undefined`.
 * @typeParam TContext - The context: {@link ProcedureContext} and what middlewares added.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { type HandlerArgs, procedure } from 'cluster-rpc';
 *
 * const Greeting = z.object({ name: z.string().trim(), excited: z.boolean().default(false) });
 *
 * function greet({ input }: HandlerArgs<z.output<typeof Greeting>>): string {
 *   return `Hello, ${input.name}${input.excited ? '!' : '.'}`;
 * }
 * const hello = procedure.input(Greeting).handler(greet);
 * ```
 *
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
  /** Run in order around the handler; empty for most procedures. */
  readonly middlewares: readonly AnyMiddleware[];
  /** A call's handler, or a stream's function (which returns an `AsyncIterable`). */
  readonly handler: (args: HandlerArgs<unknown>) => unknown;
  /** Set for procedures ended with `.stream()`: read with `stream()`, never called. */
  readonly stream?: true;
}

/**
 * What a procedure is read with: `'call'` for one ended with `.handler`
 * (called with `call`), `'stream'` for one ended with `.stream` (read with `stream`).
 *
 * @example
 * ```ts
 * import type { Procedure, ProcedureKind } from 'cluster-rpc';
 *
 * type KindOf<TProcedure> = TProcedure extends Procedure<unknown, unknown, infer TKind> ? TKind : never;
 * const kind: ProcedureKind = 'stream' satisfies KindOf<Procedure<undefined, number, 'stream'>>;
 * ```
 *
 * @group Define
 */
export type ProcedureKind = 'call' | 'stream';

declare const types: unique symbol;

/** The symbol under which a procedure keeps its runtime definition. @internal */
export const PROCEDURE: unique symbol = Symbol('cluster-rpc.procedure');

/**
 * A finished procedure, ready to be placed in a router with {@link defineRouter}.
 * Its type carries what callers pass and what they receive; build one with
 * {@link procedure}.
 *
 * @typeParam TInput - What callers pass (`undefined` when it takes no input).
 * @typeParam TOutput - What callers receive: the result of a call, each item of a stream.
 * @typeParam TKind - `'call'` (ended with `.handler`) or `'stream'` (ended with `.stream`).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { type Procedure, procedure } from 'cluster-rpc';
 *
 * // Callers pass a string and receive a number.
 * const length: Procedure<string, number> = procedure.input(z.string()).handler(({ input }) => input.length);
 * ```
 *
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
 *
 * @typeParam TInput - What callers pass (`undefined` when it takes no input).
 * @typeParam TItem - What each item is.
 *
 * @example
 * ```ts
 * import { type StreamProcedure, procedure } from 'cluster-rpc';
 *
 * const countdown: StreamProcedure<undefined, number> = procedure.stream(async function* () {
 *   for (let left = 3; left > 0; left--) yield left;
 * });
 * ```
 *
 * @group Define
 */
export type StreamProcedure<TInput, TItem> = Procedure<TInput, TItem, 'stream'>;

/**
 * Any procedure, call or stream, whatever its types (every type parameter is
 * covariant), for constraints in code that handles procedures generically.
 *
 * @example
 * ```ts
 * import { type AnyProcedure, defineRouter, procedure } from 'cluster-rpc';
 *
 * // Builds the same admin procedures for any service.
 * function withAdmin<TProcedures extends Record<string, AnyProcedure>>(procedures: TProcedures) {
 *   return { ...procedures, health: procedure.handler(() => 'ok' as const) };
 * }
 * const router = defineRouter({ admin: withAdmin({ uptime: procedure.handler(() => process.uptime()) }) });
 * ```
 *
 * @group Type helpers
 */
export type AnyProcedure = Procedure<unknown, unknown, ProcedureKind>;

declare const unset: unique symbol;

/**
 * The type of a builder step not taken: no `.input` or no `.output` yet.
 * Exported so that a module exporting a shared builder can name it in its
 * declarations.
 *
 * @example
 * ```ts
 * import { procedure } from 'cluster-rpc';
 * import type { Unset } from 'cluster-rpc';
 *
 * type NoInputYet = typeof procedure extends { input: unknown } ? Unset : never;
 * ```
 *
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
 * The immutable builder behind {@link procedure}. Each method returns a new
 * builder and leaves the old one as it was, so a partly built procedure can be
 * shared; `.input` and `.output` may each be given once (a second one does
 * not compile), `.use` any number of times, `.handler` or `.stream` ends it.
 *
 * @typeParam TIn - The input schema, or unset.
 * @typeParam TOut - The output schema, or unset.
 * @typeParam TContext - The handler's `ctx`: {@link ProcedureContext} and what middlewares added.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 *
 * const byId = procedure.input(z.object({ id: z.uuid() })); // a builder, shared
 * const getUser = byId.handler(({ input }) => ({ id: input.id, name: 'Ada' }));
 * const deleteUser = byId.output(z.boolean()).handler(() => true);
 * ```
 *
 * @group Define
 */
export interface ProcedureBuilder<TIn, TOut, TContext = ProcedureContext> {
  /**
   * Sets the input schema. Callers pass its input type (`z.input`); the handler
   * receives its output type (`z.output`). An input that fails it rejects the
   * call with `BAD_REQUEST` on the serving side, before the handler runs.
   * Without it, the procedure takes no input and an input that arrives anyway
   * is `BAD_REQUEST` too.
   *
   * @param schema - A zod schema, or any Standard Schema validator.
   * @returns A new builder with the input set.
   * @throws `TypeError` when `schema` is not a schema, or an input schema was already given.
   */
  input: [TIn] extends [Unset]
    ? <TSchema extends Schema>(schema: TSchema) => ProcedureBuilder<TSchema, TOut, TContext>
    : (schema: 'input() was already given: a procedure takes one input schema') => never;
  /**
   * Sets the output schema. The handler returns its input type; callers receive
   * its output type. A result that fails it rejects the call with `OUTPUT_INVALID`.
   * Without it, callers receive what the handler returns, unchecked.
   *
   * @param schema - A zod schema, or any Standard Schema validator.
   * @returns A new builder with the output set.
   * @throws `TypeError` when `schema` is not a schema, or an output schema was already given.
   */
  output: [TOut] extends [Unset]
    ? <TSchema extends Schema>(schema: TSchema) => ProcedureBuilder<TIn, TSchema, TContext>
    : (schema: 'output() was already given: a procedure takes one output schema') => never;
  /**
   * Adds a middleware: it runs after the input is validated, before the
   * middlewares added after it and the handler, and `next()` runs those.
   * `next({ ctx })` adds to the context they receive, typed. What `next()`
   * resolves with or throws is the outcome of the rest of the chain (the
   * handler's result after the output schema); the middleware's own result
   * is the call's. An {@link RpcError} it throws refuses the call with that
   * error; anything else it throws becomes `INTERNAL_ERROR`.
   *
   * @param fn - Receives {@link MiddlewareArgs}: `{ path, input, ctx, next }`; returns what `next()` resolved with.
   * @returns A new builder whose handler's `ctx` has what `fn` added.
   * @throws `TypeError` when `fn` is not a function.
   *
   * @example
   * ```ts
   * import { procedure, RpcError } from 'cluster-rpc';
   *
   * const authed = procedure.use(({ ctx, next }) => {
   *   if (ctx.caller.side !== 'worker') throw new RpcError('FORBIDDEN', 'Workers only');
   *   return next({ ctx: { workerId: ctx.caller.workerId } });
   * });
   * const whoami = authed.handler(({ ctx }) => ctx.workerId); // number
   * ```
   */
  use<TAdded extends object = Record<never, never>>(
    fn: (args: MiddlewareArgs<TContext, MiddlewareInput<TIn>>) => MiddlewareResult<TAdded> | Promise<MiddlewareResult<TAdded>>,
  ): ProcedureBuilder<TIn, TOut, WithAdded<TContext, TAdded>>;
  /**
   * Ends the builder with the function that serves the call. It may return a
   * value or a promise. What it throws reaches the caller as an {@link RpcError}:
   * an `RpcError` as it was thrown (code, message, data), anything else as
   * `INTERNAL_ERROR` with its message.
   *
   * @param fn - Receives {@link HandlerArgs}: `{ input, ctx }`.
   * @returns The finished {@link Procedure}.
   * @throws `TypeError` when `fn` is not a function.
   */
  handler<TReturn extends HandlerResult<TOut>>(
    fn: (args: HandlerArgs<HandlerInput<TIn>, TContext>) => TReturn,
  ): Procedure<CallerInput<TIn>, CallerOutput<TOut, TReturn>>;
  /**
   * Ends the builder with a stream: `fn` is an async generator function (or
   * returns any `AsyncIterable`) whose items callers read with `stream`,
   * never with `call`. Each item is checked by the output schema, if any, and
   * crosses like a result; callers receive its output type, or what the
   * generator yields. Middlewares run around the start of the stream. The
   * generator is resumed only while the reader has room (see
   * `highWaterMark`); when the reader stops, goes away or this side closes,
   * `ctx.signal` aborts and the generator is returned, so its `finally`
   * blocks run (once its current `await` settles: pass `ctx.signal` to what
   * it awaits). What it throws ends the reader's loop with an
   * {@link RpcError}, as a handler's error ends a call.
   *
   * @param fn - Receives {@link HandlerArgs}: `{ input, ctx }`.
   * @returns The finished procedure: a {@link StreamProcedure}.
   * @throws `TypeError` when `fn` is not a function.
   *
   * @example
   * ```ts
   * import { setTimeout as sleep } from 'node:timers/promises';
   * import { z } from 'zod';
   * import { procedure } from 'cluster-rpc';
   *
   * const progress = procedure
   *   .input(z.object({ steps: z.number().int().positive() }))
   *   .output(z.object({ done: z.number(), of: z.number() }))
   *   .stream(async function* ({ input, ctx }) {
   *     for (let done = 1; done <= input.steps; done++) {
   *       await sleep(100, undefined, { signal: ctx.signal }); // stops at once when the reader leaves
   *       yield { done, of: input.steps };
   *     }
   *   });
   * ```
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
 * The starting point of every procedure: chain `.input(schema)` and
 * `.output(schema)` as needed, then end with `.handler(fn)` (see
 * {@link ProcedureBuilder} for each step). The result goes into a router with
 * {@link defineRouter}.
 *
 * Types follow the schemas: callers pass the input schema's input type and the
 * handler receives its output type; the handler returns the output schema's
 * input type and callers receive its output type. Without `.output`, callers
 * receive what the handler returns.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 *
 * const increment = procedure
 *   .input(z.object({ by: z.number().int().positive() }))
 *   .output(z.number())
 *   .handler(({ input }) => input.by + 1);
 *
 * const now = procedure.handler(() => new Date()); // no input
 * ```
 *
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

/** True when `value` is a procedure made by {@link procedure}. */
export function isProcedure(value: unknown): value is AnyProcedure {
  // Own key only: an object literal with `__proto__: someProcedure` must not pass for one.
  return typeof value === 'object' && value !== null && Object.hasOwn(value, PROCEDURE);
}
