/**
 * The options a caller gives a call or a stream, and their checks; what
 * making one needs from its side.
 *
 * @module
 */
import type { ProcedureContext } from '../define/context.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { RpcError } from '../wire/errors.js';
import { checkHeaders, type Headers } from '../wire/headers.js';

/**
 * Options of one call: the last argument of `rpc.worker.call`,
 * `rpc.primary.call` and `rpc.primary.callAll`. Every one is optional.
 *
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 *
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 100); // rejects the call with ABORTED
 * await rpc.worker.call('hits.increment', { by: 1 }, { timeout: 500, signal: controller.signal });
 * ```
 *
 * @example A call made for the call being served ends with it
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * export const statusRouter = defineRouter({
 *   liveWorkers: procedure.handler(async ({ ctx }): Promise<number> => {
 *     // Gives up when liveWorkers' caller stops waiting, and aborts with it.
 *     const results = await rpc.primary.callAll('stats', undefined, { parent: ctx });
 *     return results.filter((result) => result.status === 'fulfilled').length;
 *   }),
 * });
 * ```
 *
 * @group Call and listen
 */
export interface CallOptions {
  /**
   * Milliseconds to wait for the answer before rejecting with `TIMEOUT`; a
   * positive number. `Infinity` waits as long as the peer lives. With a
   * `parent`, never longer than what is left of the parent's deadline.
   * Default: the `timeout` given to {@link createClusterRpc} (30 000 ms unless set).
   */
  readonly timeout?: number;
  /** Aborts the call: it rejects with `ABORTED` and the serving side's `ctx.signal` aborts. Default: none. */
  readonly signal?: AbortSignal;
  /**
   * The call being served that this call is made for: a handler's `ctx`. The
   * call then ends with its parent: it times out at the parent's deadline (if
   * that comes before its own timeout) and aborts when the parent's
   * `ctx.signal` does, so a chain of calls never outlives the call that
   * started it. Passed explicitly rather than found implicitly: on Node 20 the
   * implicit way (AsyncLocalStorage) slows every promise of the process.
   * The call also carries the parent's headers, unless it gives its own.
   * Default: none.
   */
  readonly parent?: CallParent;
  /**
   * Strings the handler and its middlewares read as `ctx.headers` (a request
   * id, a trace context): a plain object of strings, at most 8 KiB in all, or
   * the call is refused with `BAD_REQUEST` before anything is sent. Replaces
   * the parent's headers, if any. Default: the parent's, or none.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The `parent` of a call or stream: a handler's `ctx` (what is read of it).
 *
 * @example
 * ```ts
 * import type { CallParent } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * // Anything with a deadline and a signal can be a parent, not only a ctx.
 * const parent: CallParent = { deadline: Date.now() + 1000, signal: AbortSignal.timeout(1000) };
 * await rpc.worker.call('now', undefined, { parent });
 * ```
 *
 * @group Call and listen
 */
export type CallParent = Pick<ProcedureContext, 'deadline' | 'signal'> & Partial<Pick<ProcedureContext, 'headers'>>;

/**
 * Options of one event: the last argument of `emit` and `broadcast`, on either side.
 *
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 *
 * await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }, { headers: { 'x-request-id': 'r-42' } });
 * ```
 *
 * @group Call and listen
 */
export interface EventOptions {
  /**
   * Strings the listeners read as `meta.headers`: a plain object of strings,
   * at most 8 KiB in all, or the event is refused with `BAD_REQUEST` before
   * anything is sent. Default: none.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The headers of an event's options, checked: `BAD_REQUEST` naming the event when they are wrong. */
export function eventHeaders(name: string, options: EventOptions | undefined): Headers | undefined {
  if (options === undefined) return undefined;
  try {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    return checkHeaders(options.headers);
  } catch (error) {
    throw new RpcError('BAD_REQUEST', `Event '${name}' not sent: ${(error as Error).message}`);
  }
}

/** What a call needs from the side it is made on. */
export interface CallHost {
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  /** False once `close()` began: new calls fail with `SHUTTING_DOWN`. */
  readonly accepting: boolean;
  /** Counts calls made, when metrics are on. */
  readonly metrics: MetricsRecorder | undefined;
}

/** Node's timers cannot wait longer than this; anything longer means no timeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timeout, checked: a positive number of milliseconds, `Infinity` beyond what a timer can hold. */
export function checkTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : value;
}

/** `options.parent`, checked: a deadline and an abort signal, as a handler's `ctx` has, and its headers if any. */
export function checkParent(parent: unknown): { deadline: number; signal: AbortSignal; headers: Headers | undefined } {
  const { deadline, signal, headers } = (typeof parent === 'object' && parent !== null ? parent : {}) as Record<string, unknown>;
  if (typeof deadline !== 'number' || Number.isNaN(deadline) || !(signal instanceof AbortSignal))
    throw new TypeError("options.parent must be a handler's ctx (with a numeric deadline and an AbortSignal)");
  return { deadline, signal, headers: checkHeaders(headers) };
}
