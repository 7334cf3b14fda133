/**
 * What this side sends one peer, on its way out: envelopes batched into
 * frames, and held here while the transport reports congestion.
 *
 * Batching: envelopes are flushed together at the end of the current turn of
 * the event loop, so what the callbacks of one poll phase produce travels as
 * one frame, and a lone call leaves without waiting for anything else; a
 * batch that fills up leaves early so both processes stay busy.
 *
 * Congestion: after a `congested` send, envelopes wait here instead of in the
 * transport's unbounded queue, and calls that time out meanwhile are never
 * written. Large answers are not held: nothing would drop them, and here they
 * would wait as objects the garbage collector keeps tracing. Small answers
 * wait with the calls and leave in full batches once the channel drains.
 * docs/design.md, "Batching" and "Backpressure".
 *
 * @module
 */
import type { PeerLink } from '../transports/transport.js';
import { debug } from '../wire/debug.js';
import { type Envelope, frame } from '../wire/protocol.js';

/** A batch leaves once it holds this many envelopes (docs/design.md, "Batching"). */
const MAX_BATCH_ENVELOPES = 16;

/** …or this many bytes of payload: what one pipe read usually delivers. */
export const MAX_BATCH_BYTES = 64 * 1024;

/**
 * What a large answer lets through while the channel is congested: results and errors, and a stream's items and end
 * (bounded by its credit), which must keep their order with the error that may follow them.
 */
function isAnswer(envelope: Envelope): boolean {
  const kind = envelope[0];
  return kind === 'ok' || kind === 'err' || kind === 'items' || kind === 'end';
}

/** The frames on their way to one peer. */
export class Outbox {
  #envelopes: Envelope[] = [];
  #bytes = 0;
  #congested = false;
  /** While congested: a large answer waits, and goes on at the end of the turn. */
  #answerWaiting = false;
  #flushQueued = false;
  /** Frames handed to the transport, and frames it reported written; it writes them in order. */
  #writesStarted = 0;
  #writesDone = 0;
  /** While congested: held envelopes go on once this many frames are written, the one that congested included. */
  #releaseAfter = 0;
  #writtenWaiters: Array<() => void> = [];
  #link: PeerLink | undefined;

  /**
   * @param link - How frames leave; `undefined` until a peer is attached.
   * @param isWanted - False for a held call that was given up meanwhile: it is never written.
   * @param describe - Names the peer in debug lines.
   */
  constructor(
    link: PeerLink | undefined,
    private readonly isWanted: (call: Envelope) => boolean,
    private readonly describe: () => string,
  ) {
    this.#link = link;
  }

  /** The peer this outbox waited for joined. */
  attach(link: PeerLink): void {
    this.#link ??= link;
  }

  /** Queues `envelope`, with the approximate size of its payload; it leaves at the end of the turn, or now when the batch is full. */
  push(envelope: Envelope, bytes: number): void {
    this.#envelopes.push(envelope);
    this.#bytes += bytes;
    if (this.#congested) {
      if (bytes < MAX_BATCH_BYTES || !isAnswer(envelope)) return;
      this.#answerWaiting = true;
    }
    if (this.#envelopes.length >= MAX_BATCH_ENVELOPES || this.#bytes >= MAX_BATCH_BYTES) {
      this.#flush();
    } else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(this.#endOfTurn);
    }
  }

  /** Writes the batch now instead of at the end of the turn. */
  flushNow(): void {
    this.#flush();
  }

  /** Drops everything queued: the peer is gone. */
  clear(): void {
    this.#envelopes = [];
    this.#wakeWritten();
  }

  /** Resolves once everything queued so far has been written (or dropped with the channel). */
  whenWritten(): Promise<void> {
    if (this.#writesDone === this.#writesStarted && this.#envelopes.length === 0 && !this.#flushQueued) return Promise.resolve();
    return new Promise((wake) => this.#writtenWaiters.push(wake));
  }

  readonly #endOfTurn = (): void => {
    this.#flushQueued = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#envelopes.length === 0) return;
    if (this.#congested) return this.#flushAnswers();
    const envelopes = this.#envelopes;
    this.#envelopes = [];
    this.#bytes = 0;
    this.#write(envelopes);
  }

  /** While congested: the answers leave (small ones with the large one that called for it), the rest stays held. */
  #flushAnswers(): void {
    if (!this.#answerWaiting) return;
    this.#answerWaiting = false;
    const answers: Envelope[] = [];
    const held: Envelope[] = [];
    for (const envelope of this.#envelopes) (isAnswer(envelope) ? answers : held).push(envelope);
    this.#envelopes = held;
    this.#write(answers);
  }

  #write(envelopes: Envelope[]): void {
    this.#writesStarted++;
    const result = this.#link ? this.#link.send(frame(envelopes), this.#written) : 'closed';
    if (result === 'congested') {
      if (!this.#congested) this.#releaseAfter = this.#writesStarted;
      this.#congested = true;
      // A transport may have run `done` inside `send()`: then nothing is left to wait for.
      if (this.#writesDone >= this.#releaseAfter) this.#sendHeld();
    } else if (result === 'closed') {
      this.#writesDone++; // the transport will not call back
      debug(() => `channel to ${this.describe()} is closed; dropped ${envelopes.length} envelope(s)`);
      this.#wakeWritten();
    }
  }

  readonly #written = (error: Error | null): void => {
    this.#writesDone++;
    if (error) debug(() => `writing to ${this.describe()} failed: ${error.message}`);
    if (this.#congested && this.#writesDone >= this.#releaseAfter) this.#sendHeld();
    if (this.#writesDone === this.#writesStarted && this.#envelopes.length === 0) this.#wakeWritten();
  };

  /** The channel drained: send what was held, in batches, until it congests again. */
  #sendHeld(): void {
    this.#congested = false;
    this.#answerWaiting = false;
    const held = this.#envelopes.filter((envelope) => envelope[0] !== 'call' || this.isWanted(envelope));
    this.#envelopes = [];
    this.#bytes = 0;
    for (let start = 0; start < held.length; start += MAX_BATCH_ENVELOPES) {
      this.#envelopes.push(...held.slice(start, start + MAX_BATCH_ENVELOPES));
      this.#flush();
      if (this.#congested) {
        this.#envelopes.push(...held.slice(start + MAX_BATCH_ENVELOPES));
        return;
      }
    }
  }

  #wakeWritten(): void {
    if (this.#writtenWaiters.length === 0) return;
    for (const wake of this.#writtenWaiters.splice(0)) wake();
  }
}
