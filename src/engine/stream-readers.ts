/** The streams this side reads from one peer, by id, where their items, ends and errors find them. @module */

import type { EncodedPayload } from '../wire/codec.js';
import type { CallSite, RpcError } from '../wire/errors.js';
import { EmptyWaiter } from './empty-waiter.js';

/** One stream this side reads. */
export interface StreamReader {
  readonly site: CallSite;
  receive(payloads: readonly EncodedPayload[]): void;
  /** The producer ended normally (`null`) or with an error. */
  ended(error: RpcError | null): void;
  /** Ends the stream at once, dropping items not read. */
  fail(error: RpcError): void;
}

export class StreamReaders {
  readonly #streams = new Map<string, StreamReader>();
  readonly #empty = new EmptyWaiter();

  get size(): number {
    return this.#streams.size;
  }

  get(id: string): StreamReader | undefined {
    return this.#streams.get(id);
  }

  add(id: string, stream: StreamReader): void {
    this.#streams.set(id, stream);
  }

  delete(id: string): void {
    this.#streams.delete(id);
    if (this.#streams.size === 0) this.#empty.emptied();
  }

  /** Ends every stream at once with the error built for its site. */
  failAll(errorFor: (site: CallSite) => RpcError): void {
    for (const stream of [...this.#streams.values()]) stream.fail(errorFor(stream.site));
  }

  whenEmpty(): Promise<void> {
    return this.#empty.wait(this.#streams.size === 0);
  }
}
