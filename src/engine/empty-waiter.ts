/** Waiting for a table of calls or streams to empty, as `close({ grace })` does. @module */

/** One promise, made only when someone waits. */
export class EmptyWaiter {
  #waiting: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined = undefined;

  /** Resolves at once when `isEmpty`, else at the next {@link EmptyWaiter.emptied}. */
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

  emptied(): void {
    if (!this.#waiting) return;
    this.#waiting.resolve();
    this.#waiting = undefined;
  }
}
