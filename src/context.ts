/**
 * Which call, if any, the running code is serving. A call made from inside a
 * handler reads it to inherit the caller's deadline and abort signal, so no
 * chain of calls outlives the call that started it.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProcedureContext } from './procedure.js';

const serving = new AsyncLocalStorage<ProcedureContext>();

/** Runs `handler(args)` with `ctx` as the call being served. */
export function runServing<TArgs, TResult>(ctx: ProcedureContext, handler: (args: TArgs) => TResult, args: TArgs): TResult {
  return serving.run(ctx, handler, args);
}

/** The call the running code serves, if any. */
export function servingContext(): ProcedureContext | undefined {
  return serving.getStore();
}
