/**
 * The streams this side reads from one peer, by id: where their items, ends
 * and errors find them, and how a peer's departure ends them all.
 *
 * @module
 */

import type { EncodedPayload } from '../wire/codec.js';
import type { CallSite, RpcError } from '../wire/errors.js';
import { EmptyWaiter } from './empty-waiter.js';

/** One stream this side reads, as its peer's table needs to know it. */
export interface StreamReader {
  /** Where it was opened, for error messages. */
  readonly site: CallSite;
  /** Items from the producer. */
  receive(payloads: readonly EncodedPayload[]): void;
  /** The producer ended normally (`null`) or with an error, after the items it sent. */
  ended(error: RpcError | null): void;
  /** Ends the stream at once with `error`. */
  fail(error: RpcError): void;
}

/** The streams one side reads from one peer, by id. */
export class StreamReaders {
  readonly #streams = new Map<string, StreamReader>();
  readonly #empty = new EmptyWaiter();

  /** How many streams are open. */
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

  /** Ends every open stream at once with the error `errorFor` builds for its site. */
  failAll(errorFor: (site: CallSite) => RpcError): void {
    for (const stream of [...this.#streams.values()]) stream.fail(errorFor(stream.site));
  }

  /** Resolves once no stream is open. */
  whenEmpty(): Promise<void> {
    return this.#empty.wait(this.#streams.size === 0);
  }
}
