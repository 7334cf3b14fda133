/** Middleware (`procedure.use(fn)`): run in order around the handler, each able to add to the `ctx` of what follows. @module */
import { extendContext, type ProcedureContext } from './context.js';

declare const addedContext: unique symbol;

/**
 * What a middleware returns: what its `next()` resolved with. `TAdded`, the context it added, only types the handler's `ctx`.
 * @example
 * ```ts
 * import { procedure } from 'cluster-rpc';
 * import type { MiddlewareResult } from 'cluster-rpc/types';
 * const timed = procedure.use(({ next }): Promise<MiddlewareResult<{ at: number }>> => next({ ctx: { at: Date.now() } }));
 * ```
 * @group Define
 */
export interface MiddlewareResult<TAdded> {
  /** Carries the added context for inference only; never set at run time. @internal */
  readonly [addedContext]?: TAdded;
}

/**
 * The `next` a middleware receives: runs the rest of the chain and resolves with its outcome, or rejects with what it
 * threw; `next({ ctx })` adds `ctx` to the context of what follows.
 * @example
 * ```ts
 * import { procedure, RpcError } from 'cluster-rpc';
 * const retried = procedure.use(({ next }) =>
 *   next().catch((error) => (error instanceof RpcError && error.code === 'TIMEOUT' ? next() : Promise.reject(error))),
 * );
 * ```
 * @group Define
 */
export interface MiddlewareNext {
  /** Runs the rest of the chain with the same context. */
  (): Promise<MiddlewareResult<Record<never, never>>>;
  /** Runs the rest of the chain with `options.ctx` added to the context. */
  <TAdded extends object>(options: { readonly ctx: TAdded }): Promise<MiddlewareResult<TAdded>>;
}

/**
 * What a middleware receives; `input` is validated when `.input()` came before `.use()`, else `unknown`.
 * @example
 * ```ts
 * import type { MiddlewareArgs, ProcedureContext } from 'cluster-rpc';
 * const describeCall = ({ path, ctx }: MiddlewareArgs<ProcedureContext, unknown>): string => `${path} from ${ctx.caller.side}`;
 * ```
 * @group Define
 */
export interface MiddlewareArgs<TContext, TInput> {
  /** The procedure's path, such as `'hits.increment'`. */
  readonly path: string;
  /** The input, after the input schema parsed it. */
  readonly input: TInput;
  /** The call's context, with what earlier middlewares added. */
  readonly ctx: TContext;
  /** Runs the rest of the chain. */
  readonly next: MiddlewareNext;
}

/** A middleware as stored; the builder's types narrow it. @internal */
export type AnyMiddleware = (args: MiddlewareArgs<ProcedureContext, unknown>) => unknown;

/** The end of a chain: the handler and output schema, or the start of a stream. */
export type ChainEnd = (ctx: ProcedureContext) => unknown;

/**
 * Runs `middlewares` in order, then `end` with the extended context; resolves with the first one's outcome, rejects with
 * what the chain threw, never throws. For a stream, `end` starts the generator: a middleware's `RpcError` refuses it first.
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
