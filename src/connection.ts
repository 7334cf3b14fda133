/**
 * One peer process as this side sees it: whether it is ready, the calls we
 * wait on from it, the calls we are serving for it, and the outbox that
 * batches what we send it.
 *
 * Batching: envelopes are queued and flushed together at the end of the
 * current turn of the event loop, so what the callbacks of one poll phase
 * produce travels as one message, and a lone call leaves without waiting for
 * anything else; a batch that fills up leaves early so both
 * processes stay busy. When Node reports backpressure (`send()` returns
 * `false`), envelopes wait here instead of in Node's unbounded queue, and
 * calls that time out meanwhile are never written. Large answers (a batch's
 * worth of bytes) are not held: nothing would drop them, and in Node's queue
 * such a result waits as a string, where here it would wait as objects the
 * garbage collector keeps tracing (with 1 MB results at concurrency 256 that
 * was a third of the serving side's time). Small answers are held with the
 * calls: they leave in full batches once the channel drains, which measured
 * faster for 4 KB results than letting them through.
 *
 * @module
 */
import pTimeout from 'p-timeout';
import { debug } from './debug.js';
import type { CallSite } from './errors.js';
import { PendingCalls } from './pending.js';
import type { PeerInfo } from './procedure.js';
import { cancel, type Envelope, frame } from './protocol.js';
import { OpenStreams } from './stream-call.js';
import type { PeerLink } from './transport.js';

/**
 * - `starting`: its rpc object has not said `hello` yet; Node would drop what we send.
 * - `ready`: it listens.
 * - `closed`: its rpc object said `bye`; it may say `hello` again.
 * - `gone`: its process exited or its channel closed. Final.
 */
export type ConnectionState = 'starting' | 'ready' | 'closed' | 'gone';

/** A call this side is serving for the peer, as far as the connection needs to know. */
export interface ServedCallHandle {
  /** Stops the handler's work: aborts its `ctx.signal` with `reason`. */
  abort(reason: Error): void;
}

/**
 * A batch leaves as soon as it holds this many envelopes, without waiting for
 * the end of the tick, so the peer starts on the first calls while later ones
 * are still being produced. Measured at concurrency 64 and 256 on 2 cores:
 * one frame per tick left both processes idle half the time (each waited for
 * the other's whole batch); 8–32 kept both busy, 16 was best.
 */
const MAX_BATCH_ENVELOPES = 16;

/**
 * Likewise for size: big payloads leave at once rather than piling up into
 * one multi-megabyte frame. 64 KiB is what one pipe read usually delivers.
 */
const MAX_BATCH_BYTES = 64 * 1024;

const PRIMARY: PeerInfo = Object.freeze({ side: 'primary' });

/**
 * What a large answer lets through while the channel is congested (see
 * above): results and errors, and a stream's items and end (bounded by its
 * credit), which must keep their order with the error that may follow them.
 */
function isAnswer(envelope: Envelope): boolean {
  const kind = envelope[0];
  return kind === 'ok' || kind === 'err' || kind === 'items' || kind === 'end';
}

/** What became of an envelope given to {@link Connection.sendWhenReady}. */
export type DeliveryOutcome = 'sent' | 'timeout' | 'closed' | 'gone';

/** One peer process. */
export class Connection {
  state: ConnectionState = 'starting';
  /** Calls we sent to the peer and wait on. */
  readonly pending: PendingCalls;
  /** Calls and streams the peer sent us that are still running, by request id. */
  readonly serving = new Map<string, ServedCallHandle>();
  /** Streams we read from the peer. */
  readonly streams = new OpenStreams();

  #outbox: Envelope[] = [];
  #outboxBytes = 0;
  #congested = false;
  /** While congested: a large answer waits in the outbox, and goes on at the end of the tick. */
  #answerWaiting = false;
  #flushQueued = false;
  /** Frames handed to Node, and frames Node reported written; Node writes them in order. */
  #writesStarted = 0;
  #writesDone = 0;
  /** While congested: held calls go on once this many frames are written, the one that congested included. */
  #releaseAfter = 0;
  #readyWaiters: Array<(ready: boolean) => void> = [];
  #writtenWaiters: Array<() => void> = [];

  /** How error messages name the peer: a worker id or `'primary'`. */
  readonly target: number | 'primary';
  /** Who the peer is, as handlers see it in `ctx.caller`. */
  readonly info: PeerInfo;
  #link: PeerLink | undefined;

  /**
   * @param link - How to reach the peer; a worker waiting for a primary to
   *   come back has none until one joins (see {@link Connection.attach}).
   */
  constructor(link: PeerLink | undefined, info: PeerInfo = link?.info ?? PRIMARY) {
    this.#link = link;
    this.info = info;
    this.target = info.side === 'primary' ? 'primary' : info.workerId;
    this.pending = new PendingCalls((id, code) => this.send(cancel(id, code)));
  }

  /** True for a worker's connection that waits for a primary to join. */
  isUnattached(): boolean {
    return this.#link === undefined && this.state === 'starting';
  }

  /** The peer this connection waited for joined. */
  attach(link: PeerLink): void {
    if (this.#link === undefined) this.#link = link;
  }

  /** True when `link` is how this connection reaches its peer. */
  isOver(link: PeerLink): boolean {
    return this.#link === link;
  }

  /** The call site of `path` on this peer, for error messages. */
  site(path: string): CallSite {
    return { path, target: this.target };
  }

  /**
   * Queues an envelope; it leaves with the others at the end of this tick, or
   * at once when the batch is full.
   *
   * @param bytes - The approximate size of its payload, if known.
   */
  send(envelope: Envelope, bytes = 0): void {
    if (this.state === 'gone') return;
    this.#outbox.push(envelope);
    this.#outboxBytes += bytes;
    if (this.#congested) {
      // Everything waits for the write that congested the channel, except a
      // large answer (see above); small ones wait too, to leave in full batches.
      if (bytes < MAX_BATCH_BYTES || !isAnswer(envelope)) return;
      this.#answerWaiting = true;
    }
    if (this.#outbox.length >= MAX_BATCH_ENVELOPES || this.#outboxBytes >= MAX_BATCH_BYTES) {
      this.#flush();
    } else if (!this.#flushQueued) {
      this.#flushQueued = true;
      // At the end of this turn of the event loop: what the callbacks of one poll
      // phase produce (calls made for HTTP requests, answers to the frames just
      // read) leaves together. See docs/design.md, "Batching".
      setImmediate(this.#endOfTurn);
    }
  }

  readonly #endOfTurn = (): void => {
    this.#flushQueued = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#outbox.length === 0) return;
    if (this.#congested) return this.#flushAnswers();
    const envelopes = this.#outbox;
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#write(envelopes);
  }

  /** While congested: the answers leave (small ones with the large one that called for it), the calls stay held. */
  #flushAnswers(): void {
    if (!this.#answerWaiting) return;
    this.#answerWaiting = false;
    const answers: Envelope[] = [];
    const held: Envelope[] = [];
    for (const envelope of this.#outbox) (isAnswer(envelope) ? answers : held).push(envelope);
    this.#outbox = held;
    this.#write(answers);
  }

  #write(envelopes: Envelope[]): void {
    this.#writesStarted++;
    const result = this.#link ? this.#link.send(frame(envelopes), this.#written) : 'closed';
    if (result === 'congested') {
      // Node queues what it cannot write yet, without bound. Hold further
      // calls here instead, where calls that time out meanwhile are
      // dropped before they are ever written.
      if (!this.#congested) this.#releaseAfter = this.#writesStarted;
      this.#congested = true;
    } else if (result === 'closed') {
      this.#writesDone++; // Node will not call back
      debug(() => `channel to ${this.describe()} is closed; dropped ${envelopes.length} envelope(s)`);
      this.#wakeWritten();
    }
  }

  readonly #written = (error: Error | null): void => {
    this.#writesDone++;
    if (error) debug(() => `writing to ${this.describe()} failed: ${error.message}`);
    if (this.#congested && this.#writesDone >= this.#releaseAfter) this.#sendHeld();
    if (this.#writesDone === this.#writesStarted && this.#outbox.length === 0) this.#wakeWritten();
  };

  /** The channel drained: send what was held, in batches, until it congests again. */
  #sendHeld(): void {
    this.#congested = false;
    this.#answerWaiting = false;
    const held = this.#outbox.filter((envelope) => envelope[0] !== 'call' || this.pending.has(envelope[1]));
    this.#outbox = [];
    this.#outboxBytes = 0;
    for (let start = 0; start < held.length; start += MAX_BATCH_ENVELOPES) {
      this.#outbox.push(...held.slice(start, start + MAX_BATCH_ENVELOPES));
      this.#flush();
      if (this.#congested) {
        this.#outbox.push(...held.slice(start + MAX_BATCH_ENVELOPES));
        return;
      }
    }
  }

  #wakeWritten(): void {
    if (this.#writtenWaiters.length === 0) return; // the usual case, after every write: no array to copy
    for (const wake of this.#writtenWaiters.splice(0)) wake();
  }

  /** Resolves once everything queued so far has been written (or dropped with the channel). */
  whenWritten(): Promise<void> {
    if (this.state === 'gone' || (this.#writesDone === this.#writesStarted && this.#outbox.length === 0 && !this.#flushQueued))
      return Promise.resolve();
    return new Promise((wake) => this.#writtenWaiters.push(wake));
  }

  /** Resolves `true` once the peer is ready, `false` if it goes away first. */
  whenReady(): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.state === 'gone') return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Sends `envelope` now if the peer is ready (answering at once), or once it
   * is if it is still starting (waiting at most `waitMs`). Tells what happened.
   */
  sendWhenReady(envelope: Envelope, waitMs: number): DeliveryOutcome | Promise<DeliveryOutcome> {
    if (this.state !== 'starting') return this.#sendIfReady(envelope);
    return pTimeout(this.whenReady(), { milliseconds: waitMs, fallback: () => false }).then(() =>
      this.state === 'starting' ? 'timeout' : this.#sendIfReady(envelope),
    );
  }

  #sendIfReady(envelope: Envelope): DeliveryOutcome {
    if (this.state !== 'ready') return this.state === 'starting' ? 'timeout' : this.state;
    this.send(envelope);
    return 'sent';
  }

  /** The peer said `hello`. */
  markReady(): void {
    if (this.state === 'gone') return;
    this.state = 'ready';
    this.#wakeWaiters(true);
  }

  /** The peer said `bye`, or its process is going away. */
  markClosed(): void {
    if (this.state === 'gone') return;
    this.state = 'closed';
  }

  /** The peer's process or channel is gone; nothing more will be sent. */
  markGone(): void {
    this.state = 'gone';
    this.#outbox = [];
    this.#wakeWaiters(false);
    this.#wakeWritten();
  }

  #wakeWaiters(ready: boolean): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const wake of waiters) wake(ready);
  }

  /** `worker 3` or `the primary`. */
  describe(): string {
    return this.target === 'primary' ? 'the primary' : `worker ${this.target}`;
  }
}
