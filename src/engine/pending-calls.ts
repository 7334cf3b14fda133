/**
 * The calls one side is waiting on, per peer. Every way a call can end (an
 * answer, its timeout, its abort signal, the peer going away, `close()`)
 * passes through {@link PendingCalls.take}, which removes the entry and its
 * timer and listeners, so each call settles exactly once and nothing stays
 * behind.
 *
 * @module
 */

import type { CallMeter } from '../metrics/recorder.js';
import { type CallSite, RpcError, siteError } from '../wire/errors.js';
import type { CancelCode } from '../wire/protocol.js';
import { Deadlines, type Expiring } from './deadlines.js';
import { EmptyWaiter } from './empty-waiter.js';

/** One call in flight. */
class PendingCall implements Expiring {
  onAbort: (() => void) | undefined = undefined;
  expiresAt = 0;
  older: Expiring | undefined = undefined;
  newer: Expiring | undefined = undefined;
  line: Expiring['line'] = undefined;
  /** Counts the call, when metrics are on; `startedAt` is its start on the meter's clock. */
  meter: CallMeter | undefined = undefined;
  startedAt = 0;

  constructor(
    readonly id: string,
    readonly site: CallSite,
    readonly timeoutMs: number,
    readonly signals: readonly AbortSignal[],
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** Why each kind of giving up fails the call; `unsent`: why it could not even be sent, if so. */
function giveUpError(call: PendingCall, code: CancelCode, unsent: string | undefined): RpcError {
  if (code === 'TIMEOUT') {
    // Not a slow answer: nothing could be asked. Say what was missing.
    if (unsent !== undefined) return siteError('DISCONNECTED', call.site, `Not sent within ${call.timeoutMs} ms: ${unsent}`);
    return siteError('TIMEOUT', call.site, `No answer within ${call.timeoutMs} ms`);
  }
  const reason = call.signals.find((signal) => signal.aborted)?.reason;
  const because = reason instanceof RpcError ? `: ${reason.message}` : reason instanceof Error ? `: ${reason.message}` : '';
  return siteError('ABORTED', call.site, `Call aborted${because}`, { cause: reason });
}

/** Rejects `call` with `error`, counted. */
function failed(call: PendingCall, error: RpcError): void {
  call.meter?.end(call.startedAt, error.code);
  call.reject(error);
}

/** The table of calls one side has sent to one peer and not yet seen settle. */
export class PendingCalls {
  readonly #calls = new Map<string, PendingCall>();
  readonly #deadlines = new Deadlines<PendingCall>((call) => this.giveUp(call.id, 'TIMEOUT'));
  readonly #empty = new EmptyWaiter();

  /**
   * @param onGiveUp - Told when a call is dropped by its timeout or abort, so
   *   the serving side can be told to stop too.
   * @param unsentReason - Why calls waiting now were never sent (no primary
   *   can be reached), or `undefined`: at its timeout, such a call fails with
   *   `DISCONNECTED` saying why, not with `TIMEOUT`.
   */
  constructor(
    private readonly onGiveUp: (id: string, code: CancelCode) => void,
    private readonly unsentReason: () => string | undefined,
  ) {}

  /** How many calls are waiting. */
  get size(): number {
    return this.#calls.size;
  }

  /** True while `id` waits for its answer. */
  has(id: string): boolean {
    return this.#calls.has(id);
  }

  /**
   * Registers a call and returns the promise its answer settles.
   *
   * @param timeoutMs - `Infinity` for none.
   * @param signals - Abort signals any of which ends the call with `ABORTED`.
   * @param meter - Counts the call and how it ends, when metrics are on.
   */
  open(id: string, site: CallSite, timeoutMs: number, signals: readonly AbortSignal[], meter?: CallMeter): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = new PendingCall(id, site, timeoutMs, signals, resolve, reject);
      if (meter) {
        call.meter = meter;
        call.startedAt = meter.start();
      }
      this.#calls.set(id, call);
      if (timeoutMs !== Number.POSITIVE_INFINITY) this.#deadlines.add(call, timeoutMs);
      if (signals.length > 0) {
        call.onAbort = () => this.giveUp(id, 'ABORTED');
        for (const signal of signals) signal.addEventListener('abort', call.onAbort, { once: true });
      }
    });
  }

  /**
   * Settles `id` with its answer; `false` when nobody waits for it any more (a late answer).
   *
   * @param arrivedAt - When the answer arrived, on the meter's clock, if known.
   */
  resolve(id: string, value: unknown, arrivedAt?: number): boolean {
    const call = this.#take(id);
    if (!call) return false;
    call.meter?.end(call.startedAt, undefined, arrivedAt);
    call.resolve(value);
    return true;
  }

  /** Fails `id` with the error `errorFor` builds for its site; `false` when nobody waits for it any more. */
  reject(id: string, errorFor: (site: CallSite) => RpcError): boolean {
    const call = this.#take(id);
    if (!call) return false;
    failed(call, errorFor(call.site));
    return true;
  }

  /** Ends `id` because of its timeout or abort signal, and tells the peer. */
  giveUp(id: string, code: CancelCode): void {
    const call = this.#take(id);
    if (!call) return;
    const unsent = code === 'TIMEOUT' ? this.unsentReason() : undefined;
    failed(call, giveUpError(call, code, unsent));
    // A call never sent has nothing to cancel on the other side.
    if (unsent === undefined) this.onGiveUp(id, code);
  }

  /** Fails every waiting call with the error `errorFor` builds for its site. */
  rejectAll(errorFor: (site: CallSite) => RpcError): void {
    for (const id of [...this.#calls.keys()]) {
      const call = this.#take(id);
      if (call) failed(call, errorFor(call.site));
    }
  }

  /** Resolves once no call is waiting. */
  whenEmpty(): Promise<void> {
    return this.#empty.wait(this.#calls.size === 0);
  }

  #take(id: string): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (!call) return undefined;
    this.#calls.delete(id);
    if (this.#calls.size === 0) this.#empty.emptied();
    this.#deadlines.remove(call);
    if (call.onAbort) for (const signal of call.signals) signal.removeEventListener('abort', call.onAbort);
    return call;
  }
}
