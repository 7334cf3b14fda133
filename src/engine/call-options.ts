/** The options of a call, a stream or an event, their checks, and what making a call needs from its side. @module */
import type { ProcedureContext } from '../define/context.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { RpcError } from '../wire/errors.js';
import { fieldsOf } from '../wire/guards.js';
import { checkHeaders, type Headers } from '../wire/headers.js';

/**
 * Options of one call: the last argument of `call` and `callAll`.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * await rpc.worker.call('hits.increment', { by: 1 }, { timeout: 500, signal: AbortSignal.timeout(100) });
 * ```
 * @group Call and listen
 */
export interface CallOptions {
  /** Milliseconds to wait for the answer before `TIMEOUT`; `Infinity`: while the peer lives. Default: `createClusterRpc`'s. */
  readonly timeout?: number;
  /** Aborts the call: it rejects with `ABORTED` and the serving side's `ctx.signal` aborts. */
  readonly signal?: AbortSignal;
  /**
   * The call being served that this one is made for (a handler's `ctx`): this call then times out at the parent's
   * deadline, aborts with it, and carries its headers unless given its own (docs/design.md, "Explicit parent calls").
   */
  readonly parent?: CallParent;
  /**
   * Strings the handler reads as `ctx.headers` (a request id, a trace context), at most 8 KiB in all, else
   * `BAD_REQUEST`. Default: the parent's, or none.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The `parent` of a call or stream: a handler's `ctx`, or anything with a deadline and a signal.
 * @example
 * ```ts
 * import type { CallParent } from 'cluster-rpc/types';
 * const parent: CallParent = { deadline: Date.now() + 1000, signal: AbortSignal.timeout(1000) };
 * ```
 * @group Call and listen
 */
export type CallParent = Pick<ProcedureContext, 'deadline' | 'signal'> & Partial<Pick<ProcedureContext, 'headers'>>;

/**
 * Options of one event: the last argument of `emit` and `broadcast`, on either side.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }, { headers: { 'x-request-id': 'r-42' } });
 * ```
 * @group Call and listen
 */
export interface EventOptions {
  /** Strings the listeners read as `meta.headers`, at most 8 KiB in all, else `BAD_REQUEST`. */
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

/** What a call or a stream needs from the side it is made on. */
export interface CallHost {
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  /** False once `close()` began: new calls fail with `SHUTTING_DOWN`. */
  readonly accepting: boolean;
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
  const { deadline, signal, headers } = fieldsOf(parent);
  if (typeof deadline !== 'number' || Number.isNaN(deadline) || !(signal instanceof AbortSignal))
    throw new TypeError("options.parent must be a handler's ctx (with a numeric deadline and an AbortSignal)");
  return { deadline, signal, headers: checkHeaders(headers) };
}

/** A call's or a stream's options, checked; `deadline` is the parent's, when there is one. */
export interface CheckedRequestOptions {
  readonly timeout: number | undefined;
  readonly signals: AbortSignal[];
  readonly headers: Headers | undefined;
  readonly deadline: number | undefined;
}

/** Checks what calls and streams share in their options; throws `TypeError` naming the first bad one. */
export function checkRequestOptions(options: Omit<CallOptions, 'parent'> & { readonly parent?: unknown }): CheckedRequestOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const timeout = options.timeout === undefined ? undefined : checkTimeout(options.timeout, 'options.timeout');
  const signals: AbortSignal[] = [];
  if (options.signal !== undefined) {
    if (!(options.signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
    signals.push(options.signal);
  }
  let headers = checkHeaders(options.headers);
  if (options.parent === undefined) return { timeout, signals, headers, deadline: undefined };
  const parent = checkParent(options.parent);
  if (options.headers === undefined) headers = parent.headers;
  signals.push(parent.signal);
  return { timeout, signals, headers, deadline: parent.deadline };
}
