/** Serving one stream: items pulled while the reader has credit, checked, batched (docs/design.md, "Streams"). @module */

import { runMiddlewares } from '../define/middleware.js';
import { summariseIssues, validate } from '../define/schema.js';
import type { StreamMeter } from '../metrics/recorder.js';
import { type EncodedPayload, encodePayload } from '../wire/codec.js';
import { debug } from '../wire/debug.js';
import { encodeError, type RpcError, siteError, toRpcError } from '../wire/errors.js';
import { type CreditEnvelope, end, items, type OpenEnvelope } from '../wire/protocol.js';
import { MAX_BATCH_BYTES } from './outbox.js';
import type { Peer } from './peer.js';
import { type Admitted, admit, isThenable, NO_INPUT, ServedRequest, type ServeHost } from './serving.js';

/** A batch of items leaves at the outbox's byte limit or at this many, so the reader can start on a long run of tiny ones. */
const MAX_BATCH_ITEMS = 512;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function iteratorOf(iterable: unknown): AsyncIterator<unknown> {
  const open =
    (typeof iterable === 'object' || typeof iterable === 'function') && iterable !== null
      ? (iterable as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator]
      : undefined;
  if (typeof open !== 'function')
    throw new TypeError('A stream procedure must return an AsyncIterable (write it as an async generator function)');
  const iterator: unknown = open.call(iterable);
  if (typeof iterator !== 'object' || iterator === null || typeof (iterator as { next?: unknown }).next !== 'function')
    throw new TypeError("A stream procedure's [Symbol.asyncIterator]() must return an iterator");
  return iterator as AsyncIterator<unknown>;
}

/** One stream being served: it owns the signal of the `ctx` its function receives. */
class ServedStream extends ServedRequest {
  readonly #highWaterMark: number;
  #credit: number;
  #creditWaiter: (() => void) | undefined = undefined;
  #batch: EncodedPayload[] = [];
  #batchBytes = 0;
  #flushQueued = false;
  /** Items made in this turn of the event loop; at `#turnLimit` the batch leaves and the generator waits a turn. */
  #madeInTurn = 0;
  readonly #turnLimit: number;
  /** The base's meter, typed as a stream's, to count items. */
  readonly #meter: StreamMeter | undefined;

  constructor(host: ServeHost, peer: Peer, admitted: Admitted, credit: number) {
    super(host, peer, admitted);
    this.#highWaterMark = credit;
    this.#credit = credit;
    // Half the window: the reader works on one half while the other is made, instead of taking turns.
    this.#turnLimit = Math.min(Math.ceil(credit / 2), MAX_BATCH_ITEMS);
    this.#meter = host.metrics?.stream(admitted.fields.path).served;
    if (this.#meter) {
      this.meter = this.#meter;
      this.startedAt = this.#meter.start(host.frameArrivedAt);
    }
    this.list();
  }

  abort(reason: Error): void {
    if (this.abortReason || this.released) return;
    this.abortSignal(reason);
    this.#batch = [];
    this.#batchBytes = 0;
    const { code } = reason as { code?: unknown };
    this.release(typeof code === 'string' ? code : 'ABORTED');
    this.#wake();
  }

  grant(n: number): void {
    if (this.released) return;
    this.#credit = Math.min(this.#credit + n, this.#highWaterMark);
    this.#wake();
  }

  start(input: unknown): void {
    this.#run(input).catch((error: unknown) => debug(() => `stream '${this.path}' failed unexpectedly: ${String(error)}`));
  }

  async #run(input: unknown): Promise<void> {
    const iterator = await this.#begin(input);
    if (!iterator) return;
    /** Once the generator returned or threw, there is nothing left to `return()`. */
    let finished = false;
    try {
      while (!this.released) {
        if (this.#credit === 0) {
          this.#flush();
          await new Promise<void>((resolve) => {
            this.#creditWaiter = resolve;
          });
          this.#madeInTurn = 0;
          continue;
        }
        this.#credit--;
        let step: IteratorResult<unknown>;
        try {
          step = await iterator.next();
        } catch (thrown) {
          finished = true;
          throw thrown;
        }
        if (step.done) {
          finished = true;
          this.#flush();
          if (this.release(undefined)) this.peer.send(end(this.requestId));
          break;
        }
        if (this.released) break;
        let item = step.value;
        if (this.def.output) {
          let validation = validate(this.def.output, item);
          if (validation instanceof Promise) validation = await validation;
          if (validation.issues) {
            const what = `An item failed the output schema: ${summariseIssues(validation.issues)}`;
            throw siteError('OUTPUT_INVALID', this.site(), what, { issues: validation.issues });
          }
          item = validation.value;
        }
        const encoded = encodePayload(item, 'item', this.host.maxPayloadBytes);
        if (!encoded.ok) throw encodeError(encoded, this.site(), this.host.maxPayloadBytes);
        if (!this.released) this.#push(encoded.payload, encoded.bytes);
        if (++this.#madeInTurn >= this.#turnLimit) {
          this.#flush();
          await nextTurn();
          this.#madeInTurn = 0;
        }
      }
    } catch (thrown) {
      this.#failWith(thrown);
    }
    if (!finished) await this.#close(iterator);
  }

  /** Checks the input and calls the procedure's function; `undefined` when the stream ended instead. */
  async #begin(input: unknown): Promise<AsyncIterator<unknown> | undefined> {
    try {
      let validation = this.def.input ? validate(this.def.input, input) : NO_INPUT;
      if (validation instanceof Promise) validation = await validation;
      if (validation.issues) {
        this.#fail(this.inputInvalid(validation.issues));
        return undefined;
      }
      if (this.released) return undefined;
      const { value } = validation;
      const ctx = this.context();
      let iterable: unknown =
        this.def.middlewares.length > 0
          ? runMiddlewares(this.def.middlewares, this.path, value, ctx, (extended) =>
              this.def.handler({ input: value, ctx: extended }),
            )
          : this.def.handler({ input: value, ctx });
      if (isThenable(iterable)) iterable = await iterable;
      const iterator = iteratorOf(iterable);
      if (this.released) {
        await this.#close(iterator);
        return undefined;
      }
      return iterator;
    } catch (thrown) {
      this.#failWith(thrown);
      return undefined;
    }
  }

  /** Returns `iterator` so its `finally` blocks run; nobody waits for it, so what that throws goes to `onError`. */
  async #close(iterator: AsyncIterator<unknown>): Promise<void> {
    try {
      await iterator.return?.();
    } catch (thrown) {
      this.report(thrown, 'stream');
    }
  }

  #push(payload: EncodedPayload, bytes: number): void {
    if (this.#batch.length > 0 && this.#batchBytes + bytes > MAX_BATCH_BYTES) this.#flush();
    this.#batch.push(payload);
    this.#batchBytes += bytes;
    if (this.#meter) this.#meter.items++;
    if (this.#batchBytes >= MAX_BATCH_BYTES || this.#batch.length >= MAX_BATCH_ITEMS) this.#flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#flushLater);
    }
  }

  readonly #flushLater = (): void => {
    this.#flushQueued = false;
    this.#madeInTurn = 0;
    this.#flush();
  };

  #flush(): void {
    if (this.#batch.length === 0 || this.released) return;
    const batch = this.#batch;
    const bytes = this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    this.peer.send(items(this.requestId, batch), bytes);
  }

  /** `onError` hears what was thrown unless it is an `RpcError`. */
  #failWith(thrown: unknown): void {
    this.report(thrown, 'stream');
    this.#fail(toRpcError(thrown, this.site()));
  }

  /** Ends the stream with `error`, after the items made before it. */
  #fail(error: RpcError): void {
    this.#flush();
    if (this.release(error.code)) this.answerError(error);
  }

  #wake(): void {
    const wake = this.#creditWaiter;
    this.#creditWaiter = undefined;
    wake?.();
  }
}

/** Serves `envelope` from `peer`. Never throws; every outcome ends the stream for its consumer unless it gave up. */
export function serveStream(host: ServeHost, peer: Peer, [, id, path, deadlineMs, credit, input, headers]: OpenEnvelope): void {
  const admitted = admit(host, peer, 'stream', id, path, deadlineMs, input, headers);
  if (!admitted) return;
  const served = new ServedStream(host, peer, admitted, credit);
  // Traced: its span is active while the middlewares and the generator run.
  if (admitted.span) admitted.span.run(served.start, served, admitted.input);
  else served.start(admitted.input);
}

/** Credit for anything but a stream served here (an unknown id, a call) is dropped. */
export function grantCredit(peer: Peer, [, id, n]: CreditEnvelope): void {
  const served = peer.serving.get(id);
  if (served instanceof ServedStream) served.grant(n);
  else debug(() => `dropped credit for ${id} from ${peer.describe()}: no such stream`);
}
