/** Who is there: peers starting and stopping to take calls, heard once each, in order, on any transport. @module */
import type { PeerInfo } from '../transports/transport.js';

type PeerChange =
  | { readonly type: 'joined'; readonly peer: PeerInfo }
  | { readonly type: 'left'; readonly peer: PeerInfo; readonly reason: string };

export class Membership {
  readonly #listeners = new Set<(change: PeerChange) => void>();

  constructor(private readonly reportError: (error: unknown) => void) {}

  on(listener: (change: PeerChange) => void): () => void {
    // A wrapper per subscription, so adding the same function twice needs two removals.
    const entry = (change: PeerChange): void => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** A listener added meanwhile hears the next change, not this one. */
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

  clear(): void {
    this.#listeners.clear();
  }
}
