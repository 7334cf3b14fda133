/**
 * Making one outgoing call: check the arguments, work out the deadline (the
 * caller's own timeout, cut short by the deadline of the `parent` call it is
 * made for, if any), encode the input, register the call and send it, or hold
 * it until the peer is ready.
 *
 * @module
 */
import { nanoid } from 'nanoid';
import { type EncodeResult, encodePayload } from './codec.js';
import type { Connection } from './connection.js';
import { type CallSite, encodeError, type RpcError, siteError } from './errors.js';
import type { MetricsRecorder } from './metrics/recorder.js';
import type { ProcedureContext } from './procedure.js';
import { call, NO_TIMEOUT } from './protocol.js';

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
   * Default: none.
   */
  readonly parent?: Pick<ProcedureContext, 'deadline' | 'signal'>;
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

/** Fails a call before it is sent; counted as made and failed. */
function refuse(host: CallHost, site: CallSite, error: RpcError): Promise<never> {
  host.metrics?.procedure(site.path).made.refused(error.code);
  return Promise.reject(error);
}

/** Shared by the calls made without an abort signal or a parent: the usual case allocates no list. */
const NO_SIGNALS: readonly AbortSignal[] = Object.freeze([]);

/** Node's timers cannot wait longer than this; anything longer means no timeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timeout, checked: a positive number of milliseconds, `Infinity` beyond what a timer can hold. */
export function checkTimeout(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value > MAX_TIMER_MS ? Number.POSITIVE_INFINITY : value;
}

/** `options.parent`, checked: a deadline and an abort signal, as a handler's `ctx` has. */
export function checkParent(parent: unknown): { deadline: number; signal: AbortSignal } {
  const { deadline, signal } = (typeof parent === 'object' && parent !== null ? parent : {}) as Record<string, unknown>;
  if (typeof deadline !== 'number' || Number.isNaN(deadline) || !(signal instanceof AbortSignal))
    throw new TypeError("options.parent must be a handler's ctx (with a numeric deadline and an AbortSignal)");
  return { deadline, signal };
}

/**
 * Calls `path` on the peer behind `conn`; `conn` is `undefined` when the
 * target is not a live process. Never throws: every failure rejects with an
 * `RpcError`.
 */
export function startCall(
  host: CallHost,
  conn: Connection | undefined,
  site: CallSite,
  input: unknown,
  options: CallOptions | undefined,
  /** The input already encoded, when one input goes to many peers. */
  encodedInput?: EncodeResult,
): Promise<unknown> {
  if (!host.accepting) return refuse(host, site, siteError('SHUTTING_DOWN', site, 'This rpc object is closed'));
  if (!conn || conn.state === 'gone')
    return refuse(host, site, siteError('DISCONNECTED', site, 'The target process is not alive'));
  if (conn.state === 'closed') return refuse(host, site, siteError('SHUTTING_DOWN', site, 'The target closed its rpc object'));

  let timeoutMs = host.defaultTimeoutMs;
  let signals: readonly AbortSignal[] = NO_SIGNALS;
  if (options !== undefined && options !== null) {
    const checked: AbortSignal[] = [];
    try {
      if (options.timeout !== undefined) timeoutMs = checkTimeout(options.timeout, 'options.timeout');
      if (options.signal !== undefined) {
        if (!(options.signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
        checked.push(options.signal);
      }
      if (options.parent !== undefined) {
        const { deadline, signal } = checkParent(options.parent);
        // What is left of the parent call, and its cancellation.
        timeoutMs = Math.min(timeoutMs, deadline - Date.now());
        if (timeoutMs <= 0) return refuse(host, site, siteError('TIMEOUT', site, 'The parent call reached its deadline'));
        checked.push(signal);
      }
    } catch (error) {
      return refuse(host, site, siteError('BAD_REQUEST', site, (error as Error).message));
    }
    for (const signal of checked) {
      if (signal.aborted)
        return refuse(host, site, siteError('ABORTED', site, 'Call aborted before it was sent', { cause: signal.reason }));
    }
    if (checked.length > 0) signals = checked;
  }

  const encoded = encodedInput ?? encodePayload(input, 'input', host.maxPayloadBytes);
  if (!encoded.ok) return refuse(host, site, encodeError(encoded, site, host.maxPayloadBytes));

  const id = nanoid();
  const answer = conn.pending.open(id, site, timeoutMs, signals, host.metrics?.procedure(site.path).made);
  const envelope = call(id, site.path, Number.isFinite(timeoutMs) ? Math.ceil(timeoutMs) : NO_TIMEOUT, encoded.payload);
  if (conn.state === 'ready') {
    conn.send(envelope, encoded.bytes);
  } else {
    // Node drops what reaches a process before it listens: hold the call until the peer says hello.
    void conn.whenReady().then((ready) => {
      if (ready && conn.pending.has(id)) conn.send(envelope, encoded.bytes);
    });
  }
  return answer;
}
