/**
 * One peer process as this side sees it: whether it is ready, the calls we
 * wait on from it, the calls we are serving for it, and the outbox that
 * batches what we send it.
 *
 * Batching: envelopes are queued and flushed together at the end of the
 * current tick, so a lone call leaves at once while calls issued together
 * travel as one IPC message. While a frame is still being written the next
 * one keeps filling, which batches harder exactly when the channel is busy.
 *
 * @module
 */
import pTimeout from 'p-timeout';
import type { Link } from './channel.js';
import { debug } from './debug.js';
import type { CallSite } from './errors.js';
import { PendingCalls } from './pending.js';
import type { PeerInfo } from './procedure.js';
import { cancel, type Envelope, frame } from './protocol.js';

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

/** What became of an envelope given to {@link Connection.sendWhenReady}. */
export type DeliveryOutcome = 'sent' | 'timeout' | 'closed' | 'gone';

/** One peer process. */
export class Connection {
  state: ConnectionState = 'starting';
  /** Calls we sent to the peer and wait on. */
  readonly pending: PendingCalls;
  /** Calls the peer sent us that are still running, by request id. */
  readonly serving = new Map<string, ServedCallHandle>();

  #outbox: Envelope[] = [];
  #flushQueued = false;
  #writing = false;
  #readyWaiters: Array<(ready: boolean) => void> = [];
  #writtenWaiters: Array<() => void> = [];

  /**
   * @param link - How to reach the peer.
   * @param target - How error messages name the peer: a worker id or `'primary'`.
   * @param info - Who the peer is, as handlers see it in `ctx.caller`.
   */
  constructor(
    private readonly link: Link,
    readonly target: number | 'primary',
    readonly info: PeerInfo,
  ) {
    this.pending = new PendingCalls((id, code) => this.send(cancel(id, code)));
  }

  /** The call site of `path` on this peer, for error messages. */
  site(path: string): CallSite {
    return { path, target: this.target };
  }

  /** Queues an envelope; it leaves with the others at the end of this tick. */
  send(envelope: Envelope): void {
    if (this.state === 'gone') return;
    this.#outbox.push(envelope);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    if (this.#writing || this.#outbox.length === 0) return;
    const envelopes = this.#outbox;
    this.#outbox = [];
    this.#writing = true;
    if (!this.link.send(frame(envelopes), this.#written)) {
      this.#writing = false;
      debug(() => `channel to ${this.describe()} is closed; dropped ${envelopes.length} envelope(s)`);
      for (const wake of this.#writtenWaiters.splice(0)) wake();
    }
  };

  readonly #written = (error: Error | null): void => {
    this.#writing = false;
    if (error) debug(() => `writing to ${this.describe()} failed: ${error.message}`);
    if (this.#outbox.length > 0) this.#flush();
    else for (const wake of this.#writtenWaiters.splice(0)) wake();
  };

  /** Resolves once everything queued so far has been written (or dropped with the channel). */
  whenWritten(): Promise<void> {
    if (this.state === 'gone' || (!this.#writing && this.#outbox.length === 0 && !this.#flushQueued)) return Promise.resolve();
    return new Promise((wake) => this.#writtenWaiters.push(wake));
  }

  /** Resolves `true` once the peer is ready, `false` if it goes away first. */
  whenReady(): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.state === 'gone') return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /**
   * Sends `envelope` now if the peer is ready, or once it is if it is still
   * starting (waiting at most `waitMs`). Resolves with what happened.
   */
  async sendWhenReady(envelope: Envelope, waitMs: number): Promise<DeliveryOutcome> {
    if (this.state === 'starting') await pTimeout(this.whenReady(), { milliseconds: waitMs, fallback: () => false });
    switch (this.state) {
      case 'ready':
        this.send(envelope);
        return 'sent';
      case 'starting':
        return 'timeout';
      default:
        return this.state;
    }
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
    for (const wake of this.#writtenWaiters.splice(0)) wake();
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
