/** Reading one stream: the first `next()` opens it granting `highWaterMark` items; reading grants more by quarters. @module */

import { nanoid } from 'nanoid';
import type { StreamMeter } from '../metrics/recorder.js';
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from '../wire/codec.js';
import { debug } from '../wire/debug.js';
import { type CallSite, encodeError, RpcError, siteError } from '../wire/errors.js';
import {
  type CancelCode,
  cancel,
  credit,
  type EndEnvelope,
  type ItemsEnvelope,
  MAX_CREDIT,
  NO_TIMEOUT,
  open,
} from '../wire/protocol.js';
import { type CallHost, type CallParent, type CheckedRequestOptions, checkRequestOptions } from './call-options.js';
import { type CallerTrace, withCallerFrames } from './caller-stack.js';
import { peerRefusal } from './make-call.js';
import type { Peer } from './peer.js';
import type { StreamReader } from './stream-readers.js';

/** How many items a stream's producer may run ahead of its reader unless `highWaterMark` says otherwise. */
export const DEFAULT_HIGH_WATER_MARK = 16;

/**
 * Options of one stream: the last argument of `stream`.
 * @example
 * ```ts
 * import type { StreamOptions } from 'cluster-rpc';
 * const tail: StreamOptions = { signal: AbortSignal.timeout(10_000), timeout: 5000, highWaterMark: 64 };
 * ```
 * @group Call and listen
 */
export interface StreamOptions {
  /** Milliseconds to wait for each item before the loop throws `TIMEOUT`. Default: none, unlike calls. */
  readonly timeout?: number;
  /** Ends the stream: the loop throws `ABORTED` and the producer's `ctx.signal` aborts. */
  readonly signal?: AbortSignal;
  /** The call being served that this stream is read for, as {@link CallOptions.parent}. */
  readonly parent?: CallParent;
  /** Strings the producer reads as `ctx.headers`, as {@link CallOptions.headers}. */
  readonly headers?: Readonly<Record<string, string>>;
  /** How many items, 1 to 65 536, the producer may run ahead of the reader. Default: 16. */
  readonly highWaterMark?: number;
}

/**
 * The items of a stream procedure, read once with `for await`. Leaving the loop early or `return()` ends the stream on
 * both sides (its generator is returned); one read by hand and dropped needs `return()`. A failure throws an {@link RpcError}.
 * @example
 * ```ts
 * import type { RpcStream } from 'cluster-rpc';
 * async function firstThree(items: RpcStream<number>): Promise<number[]> {
 *   const taken: number[] = [];
 *   for await (const item of items) if (taken.push(item) === 3) break; // the producer stops too
 *   return taken;
 * }
 * ```
 * @group Call and listen
 */
export interface RpcStream<TItem> extends AsyncIterableIterator<TItem, undefined, undefined> {
  /** The next item, `{ done: true }` at the end; the first call opens the stream. */
  next(): Promise<IteratorResult<TItem, undefined>>;
  /** Stops reading: the producer's `ctx.signal` aborts and its generator is returned. Items not read are dropped. */
  return(): Promise<IteratorReturnResult<undefined>>;
  /** The stream itself: it can be read by one loop, once. */
  [Symbol.asyncIterator](): RpcStream<TItem>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Read items are dropped from the front of the buffer in chunks of at least this many, not one at a time. */
const COMPACT_AFTER = 64;

interface Waiter {
  readonly resolve: (result: IteratorResult<unknown, undefined>) => void;
  readonly reject: (error: unknown) => void;
}

function checkHighWaterMark(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_CREDIT) {
    throw new TypeError(`options.highWaterMark must be an integer from 1 to ${MAX_CREDIT}, got ${String(value)}`);
  }
  return value as number;
}

class ConsumedStream implements RpcStream<unknown>, StreamReader {
  readonly #host: CallHost;
  readonly #peer: Peer | undefined;
  readonly #site: CallSite;
  readonly #input: unknown;
  readonly #options: StreamOptions | undefined;
  /** Why the stream cannot open, known before it was asked to. */
  readonly #refusal: RpcError | undefined;
  /** Where the reader called `stream()`, for the stack of its error. */
  readonly #trace: CallerTrace | undefined;
  /** `idle` until the first `next()`; `done` once the reader saw the end, an error, or returned. */
  #phase: 'idle' | 'open' | 'done' = 'idle';
  #id = '';
  #highWaterMark = DEFAULT_HIGH_WATER_MARK;
  #timeoutMs = Number.POSITIVE_INFINITY;
  /** The parent's deadline, in `performance.now()` time. */
  #deadline = Number.POSITIVE_INFINITY;
  #signals: AbortSignal[] = [];
  #onAbort: (() => void) | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** Items received and not read yet, from `#head` on. */
  #buffer: EncodedPayload[] = [];
  #head = 0;
  /** How the producer ended: `undefined` while it has not, `null` normally, or its error. */
  #ending: RpcError | null | undefined = undefined;
  /** A failure to report at once, before any item still buffered. */
  #failure: RpcError | undefined = undefined;
  #waiters: Waiter[] = [];
  /** Counts it once it opened, when metrics are on; dropped once counted as ended. */
  #meter: StreamMeter | undefined = undefined;
  #startedAt = 0;
  /** Items the producer may send in all, items it sent, items the reader took. */
  #granted = 0;
  #received = 0;
  #consumed = 0;

  constructor(
    host: CallHost,
    peer: Peer | undefined,
    site: CallSite,
    input: unknown,
    options: StreamOptions | undefined,
    refusal: RpcError | undefined,
    trace: CallerTrace | undefined,
  ) {
    this.#host = host;
    this.#peer = peer;
    this.#site = site;
    this.#input = input;
    this.#options = options;
    this.#refusal = refusal;
    this.#trace = trace;
  }

  [Symbol.asyncIterator](): RpcStream<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.#phase === 'idle') this.#open();
    if (this.#waiters.length === 0) {
      const ready = this.#pull();
      if (ready !== undefined)
        return ready instanceof RpcError ? Promise.reject(withCallerFrames(ready, this.#trace)) : Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#timer === undefined) this.#arm();
    });
  }

  return(): Promise<IteratorReturnResult<undefined>> {
    if (this.#isOpen()) this.#peer?.send(cancel(this.#id, 'ABORTED'));
    this.#release('ABORTED');
    this.#phase = 'done';
    this.#buffer = [];
    this.#head = 0;
    this.#failure = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(DONE);
    return Promise.resolve(DONE);
  }

  receive(payloads: readonly EncodedPayload[]): void {
    if (this.#received + payloads.length > this.#granted) {
      const what = `The producer sent ${this.#received + payloads.length - this.#granted} item(s) more than it was granted`;
      return this.fail(siteError('INTERNAL_ERROR', this.#site, what), 'ABORTED');
    }
    this.#received += payloads.length;
    if (this.#meter) this.#meter.items += payloads.length;
    for (const payload of payloads) this.#buffer.push(payload);
    this.#deliver();
  }

  /** Items already received are read before the end. */
  ended(error: RpcError | null): void {
    this.#ending = error;
    this.#release(error?.code);
    this.#deliver();
  }

  /** With a `cancelCode`, tells the producer to stop too. */
  fail(error: RpcError, cancelCode?: CancelCode): void {
    if (this.#stop(error, cancelCode)) this.#deliver();
  }

  /** {@link fail} without handing the error to waiting readers yet; false when the stream was over already. */
  #stop(error: RpcError, cancelCode: CancelCode | undefined): boolean {
    if (this.#phase === 'done') return false;
    if (cancelCode && this.#isOpen()) this.#peer?.send(cancel(this.#id, cancelCode));
    this.#release(error.code);
    this.#buffer = [];
    this.#head = 0;
    this.#failure = error;
    return true;
  }

  get site(): CallSite {
    return this.#site;
  }

  /** Sends the `open` envelope, or records why the stream cannot open. */
  #open(): void {
    this.#phase = 'open';
    const refused = this.#start();
    if (!refused) return;
    this.#failure = refused;
    this.#host.metrics?.stream(this.#site.path).made.refused(refused.code);
  }

  #start(): RpcError | undefined {
    if (this.#refusal) return this.#refusal;
    const host = this.#host;
    const peer = this.#peer;
    const site = this.#site;
    const refusal = peerRefusal(host, peer, site);
    if (refusal || !peer) return refusal;
    const options = this.#options;
    let deadlineMs = NO_TIMEOUT;
    let checked: CheckedRequestOptions | undefined;
    try {
      if (options !== undefined) checked = checkRequestOptions(options);
      if (options?.highWaterMark !== undefined) this.#highWaterMark = checkHighWaterMark(options.highWaterMark);
    } catch (error) {
      return siteError('BAD_REQUEST', site, (error as Error).message);
    }
    const headers = checked?.headers;
    if (checked !== undefined) {
      if (checked.timeout !== undefined) this.#timeoutMs = checked.timeout;
      this.#signals = checked.signals;
      const deadline = checked.deadline;
      if (deadline !== undefined && Number.isFinite(deadline)) {
        const left = deadline - Date.now();
        if (left <= 0) return siteError('TIMEOUT', site, 'The parent call reached its deadline');
        deadlineMs = Math.ceil(left);
        this.#deadline = performance.now() + left;
      }
    }
    for (const signal of this.#signals) {
      if (signal.aborted) {
        this.#signals = [];
        return siteError('ABORTED', site, 'Stream aborted before it was opened', { cause: signal.reason });
      }
    }
    const encoded = encodePayload(this.#input, 'input', host.maxPayloadBytes);
    if (!encoded.ok) {
      this.#signals = [];
      return encodeError(encoded, site, host.maxPayloadBytes);
    }

    const id = nanoid();
    this.#id = id;
    this.#granted = this.#highWaterMark;
    this.#meter = host.metrics?.stream(site.path).made;
    if (this.#meter) this.#startedAt = this.#meter.start();
    peer.streams.add(id, this);
    if (this.#signals.length > 0) {
      this.#onAbort = () => this.#aborted();
      for (const signal of this.#signals) signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    const envelope = open(id, site.path, deadlineMs, this.#highWaterMark, encoded.payload, headers);
    if (peer.state === 'ready') peer.send(envelope, encoded.bytes);
    else {
      // As for calls: Node drops what reaches a process before it listens, so wait for its hello.
      void peer.whenReady().then((ready) => {
        if (ready && this.#isOpen()) peer.send(envelope, encoded.bytes);
      });
    }
    return undefined;
  }

  /** True while the producer may still send: the peer's table holds this stream. */
  #isOpen(): boolean {
    return this.#phase === 'open' && this.#id !== '' && this.#peer?.streams.get(this.#id) === this;
  }

  /** What the reader gets now: an item, the end, an error; `undefined` when it must wait. */
  #pull(): IteratorResult<unknown, undefined> | RpcError | undefined {
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = undefined;
      this.#phase = 'done';
      return failure;
    }
    if (this.#phase === 'done') return DONE;
    if (this.#head < this.#buffer.length) {
      if (this.#deadline !== Number.POSITIVE_INFINITY && performance.now() >= this.#deadline) {
        this.#stop(siteError('TIMEOUT', this.#site, 'The parent call reached its deadline'), 'TIMEOUT');
        return this.#pull();
      }
      return this.#take();
    }
    if (this.#ending !== undefined) {
      this.#phase = 'done';
      return this.#ending ?? DONE;
    }
    return undefined;
  }

  #take(): IteratorResult<unknown, undefined> | RpcError | undefined {
    const payload = this.#buffer[this.#head] as EncodedPayload;
    this.#head++;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    this.#consumed++;
    this.#grant();
    const value = decodePayload(payload);
    if (value instanceof DecodeFailure) {
      this.#stop(siteError('UNSERIALIZABLE', this.#site, `An item could not be decoded: ${value.detail}`), 'ABORTED');
      return this.#pull();
    }
    return { done: false, value };
  }

  /** Tells the producer it may send more, once a quarter of the mark has been read. */
  #grant(): void {
    const free = this.#highWaterMark - (this.#granted - this.#consumed);
    if (free * 4 < this.#highWaterMark || !this.#isOpen() || this.#ending !== undefined) return;
    this.#granted += free;
    this.#peer?.send(credit(this.#id, free));
  }

  /** Hands what is ready to the readers waiting, in order. */
  #deliver(): void {
    if (this.#waiters.length === 0) return;
    this.#disarm();
    while (this.#waiters.length > 0) {
      const ready = this.#pull();
      if (ready === undefined) break;
      const waiter = this.#waiters.shift() as Waiter;
      if (ready instanceof RpcError) waiter.reject(withCallerFrames(ready, this.#trace));
      else waiter.resolve(ready);
    }
    if (this.#waiters.length > 0) this.#arm();
  }

  /** Starts the clock for the next item, if there is a timeout or a parent deadline. */
  #arm(): void {
    if (this.#phase !== 'open' || (this.#timeoutMs === Number.POSITIVE_INFINITY && this.#deadline === Number.POSITIVE_INFINITY))
      return;
    if (!this.#isOpen()) return;
    const untilDeadline = this.#deadline - performance.now();
    const ms = Math.max(0, Math.min(this.#timeoutMs, untilDeadline));
    const parentFirst = untilDeadline < this.#timeoutMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // As for a call: a stream that could not even be opened says what was missing.
      const unsent = this.#peer?.unsentReason();
      const within = parentFirst ? "by the parent call's deadline" : `within ${this.#timeoutMs} ms`;
      if (unsent !== undefined) return this.fail(siteError('DISCONNECTED', this.#site, `Not opened ${within}: ${unsent}`));
      const what = parentFirst ? 'The parent call reached its deadline' : `No item within ${this.#timeoutMs} ms`;
      this.fail(siteError('TIMEOUT', this.#site, what), 'TIMEOUT');
    }, ms);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #aborted(): void {
    const reason = this.#signals.find((signal) => signal.aborted)?.reason;
    const because = reason instanceof Error ? `: ${reason.message}` : '';
    this.fail(siteError('ABORTED', this.#site, `Stream aborted${because}`, { cause: reason }), 'ABORTED');
  }

  /** Leaves the peer's table, drops the timer and listeners, counts how it ended (`undefined`: OK). Idempotent. */
  #release(code: string | undefined): void {
    if (this.#meter) {
      this.#meter.end(this.#startedAt, code);
      this.#meter = undefined;
    }
    this.#disarm();
    if (this.#id !== '' && this.#peer?.streams.get(this.#id) === this) this.#peer.streams.delete(this.#id);
    if (this.#onAbort) {
      for (const signal of this.#signals) signal.removeEventListener('abort', this.#onAbort);
      this.#onAbort = undefined;
    }
    this.#signals = [];
  }
}

/** Streams `path` from `peer` (`undefined`: none alive) or fails with `refusal`, never throwing: failures come from `next()`. */
export function openStream(
  host: CallHost,
  peer: Peer | undefined,
  site: CallSite,
  input: unknown,
  options: StreamOptions | undefined,
  refusal?: RpcError,
  trace?: CallerTrace,
): RpcStream<unknown> {
  return new ConsumedStream(host, peer, site, input, options, refusal, trace);
}

/** Items for a stream this side reads; dropped when it is not open (unknown, ended, or given up). */
export function receiveItems(peer: Peer, [, id, payloads]: ItemsEnvelope): void {
  const stream = peer.streams.get(id);
  if (stream) stream.receive(payloads);
  else debug(() => `dropped ${payloads.length} item(s) of stream ${id} from ${peer.describe()}: not open`);
}

export function receiveEnd(peer: Peer, [, id]: EndEnvelope): void {
  const stream = peer.streams.get(id);
  if (stream) stream.ended(null);
  else debug(() => `dropped the end of stream ${id} from ${peer.describe()}: not open`);
}
