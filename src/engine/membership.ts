/**
 * Who is there: the engine tells this table when a peer starts to take calls
 * (its `hello`) and when it stops (it left, closed its rpc object, went
 * silent), once each, in order, whatever the transport; the sides turn that
 * into `rpc.primary.onWorkers` and `rpc.worker.onPrimary`.
 *
 * @module
 */
import type { PeerInfo } from '../transports/transport.js';

/** A peer that started or stopped taking calls. */
type PeerChange =
  | { readonly type: 'joined'; readonly peer: PeerInfo }
  | { readonly type: 'left'; readonly peer: PeerInfo; readonly reason: string };

/** Listeners of one side's membership changes. */
export class Membership {
  readonly #listeners = new Set<(change: PeerChange) => void>();

  /** @param reportError - Hears what a listener throws; the other listeners still hear the change. */
  constructor(private readonly reportError: (error: unknown) => void) {}

  /** Adds a listener of the changes from now on; returns the function that removes it. */
  on(listener: (change: PeerChange) => void): () => void {
    // A wrapper per subscription, so adding the same function twice needs two removals.
    const entry = (change: PeerChange): void => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Tells every listener there now; one added meanwhile hears the next change, not this one. */
  emit(change: PeerChange): void {
    if (this.#listeners.size === 0) return;
    for (const listener of [...this.#listeners]) {
      if (!this.#listeners.has(listener)) continue; // removed by a listener before it
      try {
        const result: unknown = listener(change);
        if (result instanceof Promise) result.catch(this.reportError);
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
