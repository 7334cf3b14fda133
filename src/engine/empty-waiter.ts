/**
 * Waiting for a table of calls or streams to empty, as `close({ grace })`
 * does: one promise, made only when someone waits.
 *
 * @module
 */

/** Resolves its waiters the next time the table it watches becomes empty. */
export class EmptyWaiter {
  #waiting: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined = undefined;

  /** Resolves at once when `isEmpty`, otherwise once {@link EmptyWaiter.emptied} is called. */
  wait(isEmpty: boolean): Promise<void> {
    if (isEmpty) return Promise.resolve();
    if (!this.#waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#waiting = { promise, resolve };
    }
    return this.#waiting.promise;
  }

  /** The table just became empty. */
  emptied(): void {
    if (!this.#waiting) return;
    this.#waiting.resolve();
    this.#waiting = undefined;
  }
}
