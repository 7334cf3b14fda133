/**
 * One peer process as this side sees it: whether it listens, the calls we
 * wait on from it, the calls and streams we serve for it, the streams we read
 * from it, and the outbox of what we send it.
 *
 * @module
 */
import pTimeout from 'p-timeout';
import { type PeerInfo, type PeerLink, PRIMARY_PEER } from '../transports/transport.js';
import type { CallSite } from '../wire/errors.js';
import { cancel, type Envelope } from '../wire/protocol.js';
import { Outbox } from './outbox.js';
import { PendingCalls } from './pending-calls.js';
import { StreamReaders } from './stream-readers.js';

/**
 * - `starting`: its rpc object has not said `hello` yet; Node would drop what we send.
 * - `ready`: it listens.
 * - `closed`: its rpc object said `bye`; it may say `hello` again.
 * - `gone`: its process exited or its channel closed. Final.
 */
type PeerState = 'starting' | 'ready' | 'closed' | 'gone';

/** A call or stream this side serves for the peer, as far as the peer's table needs to know. */
export interface ServedHandle {
  /** The procedure it runs, for the messages that end it. */
  readonly path: string;
  /** Stops the handler's work: aborts its `ctx.signal` with `reason`. */
  abort(reason: Error): void;
}

/** What became of an envelope given to {@link Peer.sendWhenReady}. */
export type DeliveryOutcome = 'sent' | 'timeout' | 'closed' | 'gone';

/** One peer process. */
export class Peer {
  state: PeerState = 'starting';
  /** Calls we sent to the peer and wait on. */
  readonly pending: PendingCalls;
  /** Calls and streams the peer sent us that are still running, by request id. */
  readonly serving = new Map<string, ServedHandle>();
  /** Streams we read from the peer. */
  readonly streams = new StreamReaders();
  /** Set while this side's membership listeners count the peer as joined: between its `joined` and its `left`. */
  announced = false;

  readonly #outbox: Outbox;
  #readyWaiters: Array<(ready: boolean) => void> = [];

  /** How error messages name the peer: a worker id or `'primary'`. */
  readonly target: number | 'primary';
  /** Who the peer is, as handlers see it in `ctx.caller`. */
  readonly info: PeerInfo;
  #link: PeerLink | undefined;
  readonly #whyUnattached: (() => string) | undefined;

  /**
   * @param link - How to reach the peer; a worker waiting for a primary to
   *   come back has none until one joins (see {@link Peer.attach}).
   * @param whyUnattached - Without a link: why no primary can be reached now, for the calls it never sent.
   */
  constructor(link: PeerLink | undefined, whyUnattached?: () => string) {
    this.#link = link;
    this.#whyUnattached = whyUnattached;
    this.info = link?.info ?? PRIMARY_PEER;
    this.target = this.info.side === 'primary' ? 'primary' : this.info.workerId;
    this.pending = new PendingCalls(
      (id, code) => this.send(cancel(id, code)),
      () => this.unsentReason(),
    );
    this.#outbox = new Outbox(
      link,
      (call) => this.pending.has(call[1] as string),
      () => this.describe(),
    );
  }

  /** True for a worker's peer that waits for a primary to join. */
  isUnattached(): boolean {
    return this.#link === undefined && this.state === 'starting';
  }

  /**
   * Why what waits for this peer was never sent, while no primary can be
   * reached (the servers, or no primary in the cluster); `undefined` once one joined.
   */
  unsentReason(): string | undefined {
    return this.isUnattached() ? (this.#whyUnattached?.() ?? 'no primary has joined') : undefined;
  }

  /** The primary this peer waited for joined. */
  attach(link: PeerLink): void {
    if (this.#link !== undefined) return;
    this.#link = link;
    this.#outbox.attach(link);
  }

  /** True when `link` is how this side reaches its peer. */
  isOver(link: PeerLink): boolean {
    return this.#link === link;
  }

  /** The call site of `path` on this peer, for error messages. */
  site(path: string): CallSite {
    return { path, target: this.target };
  }

  /**
   * Queues an envelope; it leaves with the others at the end of this turn of
   * the event loop, or at once when the batch is full.
   *
   * @param bytes - The approximate size of its payload, if known.
   */
  send(envelope: Envelope, bytes = 0): void {
    if (this.state !== 'gone') this.#outbox.push(envelope, bytes);
  }

  /** Sends what is queued now rather than at the end of this turn: for a fan-out that nothing else will join. */
  flush(): void {
    if (this.state !== 'gone') this.#outbox.flushNow();
  }

  /** Resolves once everything queued so far has been written (or dropped with the channel). */
  whenWritten(): Promise<void> {
    return this.state === 'gone' ? Promise.resolve() : this.#outbox.whenWritten();
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
    this.#outbox.clear();
    this.#wakeWaiters(false);
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
