/**
 * Middleware: functions that run in order after a call's input is validated
 * and around its handler (`procedure.use(fn)`), each able to add to the
 * context of what follows through `next({ ctx })`.
 *
 * @module
 */
import { extendContext, type ProcedureContext } from './context.js';

declare const addedContext: unique symbol;

/**
 * What a middleware returns: what its `next()` resolved with, which is the
 * outcome of the rest of the chain (the handler's result, after the output
 * schema), unless the middleware answers otherwise. The type parameter is
 * only for the compiler: it carries the context the middleware added, so the
 * handler's `ctx` is typed with it.
 *
 * @typeParam TAdded - What the middleware added to `ctx` with `next({ ctx })`.
 *
 * @example
 * ```ts
 * import { type MiddlewareResult, procedure } from 'cluster-rpc';
 *
 * const logged = procedure.use(async ({ path, next }): Promise<MiddlewareResult<{ startedAt: number }>> => {
 *   const result = await next({ ctx: { startedAt: Date.now() } });
 *   console.log(`${path} answered`, result);
 *   return result;
 * });
 * ```
 *
 * @group Define
 */
export interface MiddlewareResult<TAdded> {
  /** Carries the added context for inference only; never set at run time. @internal */
  readonly [addedContext]?: TAdded;
}

/**
 * The `next` a middleware receives: runs the rest of the chain (the next
 * middlewares, then the handler) and resolves with its outcome, or rejects
 * with what it threw. `next({ ctx })` runs it with `ctx` added to the
 * context: later middlewares and the handler see `{ ...ctx, ...added }`.
 *
 * @example
 * ```ts
 * import { procedure, RpcError } from 'cluster-rpc';
 *
 * // Retries once on TIMEOUT from a nested call, then gives up.
 * const retried = procedure.use(async ({ next }) => {
 *   try {
 *     return await next();
 *   } catch (error) {
 *     if (error instanceof RpcError && error.code === 'TIMEOUT') return next();
 *     throw error;
 *   }
 * });
 * ```
 *
 * @group Define
 */
export interface MiddlewareNext {
  /** Runs the rest of the chain with the same context. */
  (): Promise<MiddlewareResult<Record<never, never>>>;
  /** Runs the rest of the chain with `options.ctx` added to the context. */
  <TAdded extends object>(options: { readonly ctx: TAdded }): Promise<MiddlewareResult<TAdded>>;
}

/**
 * What a middleware receives.
 *
 * @typeParam TContext - The context so far: {@link ProcedureContext} and what earlier middlewares added.
 * @typeParam TInput - The validated input when `.input()` came before `.use()`, else `unknown`.
 *
 * @example
 * ```ts
 * import { type MiddlewareArgs, type ProcedureContext, procedure } from 'cluster-rpc';
 *
 * function describeCall({ path, ctx }: MiddlewareArgs<ProcedureContext, unknown>): string {
 *   return `${path} from ${ctx.caller.side}`;
 * }
 * const described = procedure.use(({ next, ...call }) => {
 *   console.log(describeCall({ next, ...call }));
 *   return next();
 * });
 * ```
 *
 * @group Define
 */
export interface MiddlewareArgs<TContext, TInput> {
  /** The procedure's path, such as `'hits.increment'`. */
  readonly path: string;
  /** The input, after the input schema parsed it. */
  readonly input: TInput;
  /** The call's context, with what earlier middlewares added. */
  readonly ctx: TContext;
  /** Runs the rest of the chain; see {@link MiddlewareNext}. */
  readonly next: MiddlewareNext;
}

/** A middleware as stored; the builder's types narrow it. @internal */
export type AnyMiddleware = (args: MiddlewareArgs<ProcedureContext, unknown>) => unknown;

/** The end of a chain: the handler (then the output schema), or the start of a stream. */
export type ChainEnd = (ctx: ProcedureContext) => unknown;

/**
 * Runs `middlewares` in order around `end`, as a call or a stream is served:
 * each middleware's `next()` runs the ones after it, then `end` with the
 * context as extended so far. Resolves with the outcome of the first
 * middleware (what `end` returned, unless a middleware answered otherwise);
 * rejects with what the chain threw, for the caller to turn into an
 * `RpcError`. Never throws.
 *
 * Shared by calls (src/serve.ts) and streams: a stream's `end` starts its
 * generator and returns the iterable, so middlewares see a stream start, and
 * an `RpcError` one throws refuses the stream before any item.
 */
export function runMiddlewares(
  middlewares: readonly AnyMiddleware[],
  path: string,
  input: unknown,
  ctx: ProcedureContext,
  end: ChainEnd,
): Promise<unknown> {
  const step = (index: number, stepCtx: ProcedureContext): Promise<unknown> => {
    try {
      const middleware = middlewares[index];
      if (!middleware) return Promise.resolve(end(stepCtx));
      const next = ((options?: { readonly ctx?: unknown }) => {
        if (typeof options !== 'object' || options === null || options.ctx === undefined) return step(index + 1, stepCtx);
        if (typeof options.ctx !== 'object' || options.ctx === null) {
          return Promise.reject(
            new TypeError(`next({ ctx }) expects an object to add to the context, got ${typeof options.ctx}`),
          );
        }
        return step(index + 1, extendContext(stepCtx, options.ctx));
      }) as MiddlewareNext;
      return Promise.resolve(middleware({ path, input, ctx: stepCtx, next }));
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  };
  return step(0, ctx);
}
