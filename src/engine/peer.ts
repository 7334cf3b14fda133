/** One peer process as this side sees it: its state, the tables of what goes on with it, and its outbox. @module */
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

export interface ServedHandle {
  readonly path: string;
  /** Aborts its `ctx.signal` with `reason`. */
  abort(reason: Error): void;
}

/** What became of an envelope given to {@link Peer.sendWhenReady}. */
export type DeliveryOutcome = 'sent' | 'timeout' | 'closed' | 'gone';

export class Peer {
  state: PeerState = 'starting';
  readonly pending: PendingCalls;
  /** Calls and streams served for the peer, by request id. */
  readonly serving = new Map<string, ServedHandle>();
  readonly streams = new StreamReaders();
  /** Between the peer's `joined` and its `left`, as membership listeners hear them. */
  announced = false;

  readonly #outbox: Outbox;
  #readyWaiters: Array<(ready: boolean) => void> = [];

  /** How error messages name the peer. */
  readonly target: number | 'primary';
  readonly info: PeerInfo;
  #link: PeerLink | undefined;
  readonly #whyUnattached: (() => string) | undefined;

  /**
   * @param link - `undefined` for a worker's primary that has not joined yet (see {@link Peer.attach}).
   * @param whyUnattached - Without a link: why no primary can be reached now.
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

  /** A worker's primary that has not joined yet. */
  isUnattached(): boolean {
    return this.#link === undefined && this.state === 'starting';
  }

  /** Why what waits for this peer was never sent; `undefined` once a primary joined. */
  unsentReason(): string | undefined {
    return this.isUnattached() ? (this.#whyUnattached?.() ?? 'no primary has joined') : undefined;
  }

  attach(link: PeerLink): void {
    if (this.#link !== undefined) return;
    this.#link = link;
    this.#outbox.attach(link);
  }

  isOver(link: PeerLink): boolean {
    return this.#link === link;
  }

  site(path: string): CallSite {
    return { path, target: this.target };
  }

  /** Queues an envelope, with the approximate size of its payload, for the end of this turn. */
  send(envelope: Envelope, bytes = 0): void {
    if (this.state !== 'gone') this.#outbox.push(envelope, bytes);
  }

  /** Sends what is queued now: for a fan-out that nothing else will join. */
  flush(): void {
    if (this.state !== 'gone') this.#outbox.flushNow();
  }

  /** Resolves once everything queued so far has been written (or dropped with the channel). */
  whenWritten(): Promise<void> {
    return this.state === 'gone' ? Promise.resolve() : this.#outbox.whenWritten();
  }

  /** `false` if the peer goes away first. */
  whenReady(): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.state === 'gone') return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Sends `envelope` now if the peer is ready, or once it is (within `waitMs`), and tells what happened. */
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

  markReady(): void {
    if (this.state === 'gone') return;
    this.state = 'ready';
    this.#wakeWaiters(true);
  }

  markClosed(): void {
    if (this.state === 'gone') return;
    this.state = 'closed';
  }

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

  describe(): string {
    return this.target === 'primary' ? 'the primary' : `worker ${this.target}`;
  }
}
