/** The calls waited on from one peer: every way one ends passes through `#take`, so it settles once. @module */

import type { CallMeter } from '../metrics/recorder.js';
import { type CallSite, RpcError, siteError } from '../wire/errors.js';
import type { CancelCode } from '../wire/protocol.js';
import { Deadlines, type Expiring } from './deadlines.js';
import { EmptyWaiter } from './empty-waiter.js';

class PendingCall implements Expiring {
  onAbort: (() => void) | undefined = undefined;
  expiresAt = 0;
  older: Expiring | undefined = undefined;
  newer: Expiring | undefined = undefined;
  line: Expiring['line'] = undefined;
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

/** `unsent`: why the call could not even be sent, if so. */
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

function failed(call: PendingCall, error: RpcError): void {
  call.meter?.end(call.startedAt, error.code);
  call.reject(error);
}

export class PendingCalls {
  readonly #calls = new Map<string, PendingCall>();
  readonly #deadlines = new Deadlines<PendingCall>((call) => this.giveUp(call.id, 'TIMEOUT'));
  readonly #empty = new EmptyWaiter();

  /**
   * @param onGiveUp - Told of a call dropped by its timeout or abort, to tell the serving side.
   * @param unsentReason - Why calls waiting now were never sent, if so: they time out as `DISCONNECTED` saying why.
   */
  constructor(
    private readonly onGiveUp: (id: string, code: CancelCode) => void,
    private readonly unsentReason: () => string | undefined,
  ) {}

  get size(): number {
    return this.#calls.size;
  }

  has(id: string): boolean {
    return this.#calls.has(id);
  }

  /** Registers a call and returns the promise its answer settles; any of `signals` aborts it. */
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

  /** Settles `id`; `false` for a late answer. `arrivedAt` is on the meter's clock. */
  resolve(id: string, value: unknown, arrivedAt?: number): boolean {
    const call = this.#take(id);
    if (!call) return false;
    call.meter?.end(call.startedAt, undefined, arrivedAt);
    call.resolve(value);
    return true;
  }

  /** Fails `id` with the error built for its site; `false` for a late answer. */
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

  rejectAll(errorFor: (site: CallSite) => RpcError): void {
    for (const id of [...this.#calls.keys()]) {
      const call = this.#take(id);
      if (call) failed(call, errorFor(call.site));
    }
  }

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
