/** A handler's `ctx`: its type, its making, its extension; `signal` is made on first read (docs/design.md). @module */
import { setMaxListeners } from 'node:events';
import type { PeerInfo } from '../transports/transport.js';

/**
 * What a handler knows of the call it serves (`ctx`): a plain object to spread or extend; middlewares add via `next({ ctx })`.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { procedure } from 'cluster-rpc';
 * const fetchPage = procedure.input(z.url()).handler(async ({ input, ctx }) => fetch(input, { signal: ctx.signal }));
 * ```
 * @group Define
 */
export interface ProcedureContext {
  /** The request id (a nanoid), the same on both sides of the channel. */
  readonly requestId: string;
  /** The process that made the call. */
  readonly caller: PeerInfo;
  /** Aborts when the caller times out, aborts, goes away, or this side closes. */
  readonly signal: AbortSignal;
  /** When the caller stops waiting, in `Date.now()` milliseconds; `Infinity` when it waits forever. */
  readonly deadline: number;
  /** The procedure's path, such as `'hits.increment'`. */
  readonly path: string;
  /** The headers the caller sent (`options.headers`, or its parent's), empty when none. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Everything of a `ctx` but its signal: what a served call or stream knows before its handler runs. */
export type RequestFields = Omit<ProcedureContext, 'signal'>;

/** The API of the side serving a call, which `rpc.for(ctx)` hands to its handler (typed there). */
export type SideApi =
  | { readonly side: 'primary'; readonly primary: unknown }
  | { readonly side: 'worker'; readonly worker: unknown };

/** Where a handler's `ctx` keeps the API of the side serving it. */
export const SIDE_API: unique symbol = Symbol('cluster-rpc.sideApi');

/** What owns the signal of a `ctx`: a served call or stream, which aborts it. */
export interface SignalOwner {
  readonly signal: AbortSignal;
}

/** The controller of a served request's signal, made on first read: aborted already if the request was. */
export function signalController(abortReason: Error | undefined): AbortController {
  const controller = new AbortController();
  // Every call the handler makes with { parent: ctx } listens to this signal; fifty at once are no leak to warn about.
  setMaxListeners(0, controller.signal);
  if (abortReason) controller.abort(abortReason);
  return controller;
}

/** Where a `ctx` keeps its signal's owner; copies made by spreading keep it too. */
const SIGNAL_OWNER: unique symbol = Symbol('cluster-rpc.signalOwner');

type OwnedContext = { readonly [SIGNAL_OWNER]: SignalOwner };

/** One getter shared by every `ctx`: it reaches the signal through the object it is read on. */
const LAZY_SIGNAL: PropertyDescriptor = {
  get(this: OwnedContext): AbortSignal {
    return this[SIGNAL_OWNER].signal;
  },
  enumerable: true,
  configurable: true,
};

/** A new `ctx` for a served call or stream; `owner.signal` is read the first time `ctx.signal` is. */
export function createContext(owner: SignalOwner, fields: RequestFields, api: SideApi | undefined): ProcedureContext {
  const ctx = { ...fields, [SIDE_API]: api, [SIGNAL_OWNER]: owner };
  Object.defineProperty(ctx, 'signal', LAZY_SIGNAL);
  return ctx as unknown as ProcedureContext;
}

/** `{ ...ctx, ...added }` without reading `ctx.signal`: the copy keeps the lazy getter unless `added` has a `signal`. */
export function extendContext(ctx: object, added: object): ProcedureContext {
  const lazy = Object.getOwnPropertyDescriptor(ctx, 'signal')?.get === LAZY_SIGNAL.get;
  const extended: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(ctx)) {
    if (lazy && key === 'signal') continue;
    if (Object.prototype.propertyIsEnumerable.call(ctx, key)) extended[key] = (ctx as Record<PropertyKey, unknown>)[key];
  }
  if (lazy && !Object.hasOwn(added, 'signal')) Object.defineProperty(extended, 'signal', LAZY_SIGNAL);
  for (const key of Reflect.ownKeys(added)) {
    if (!Object.prototype.propertyIsEnumerable.call(added, key)) continue;
    // defineProperty rather than assignment: it also replaces the lazy getter, and `__proto__` stays a plain key.
    Object.defineProperty(extended, key, {
      value: (added as Record<PropertyKey, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return extended as unknown as ProcedureContext;
}
