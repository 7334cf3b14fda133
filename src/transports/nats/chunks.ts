/**
 * Frames larger than the server's `max_payload` travel in parts. A sender publishes every part of a frame in one go, and NATS
 * keeps one publisher's messages in order for a subscriber, so a peer has at most one frame in parts at a time: anything else
 * from that peer in between means parts were lost (a reconnection), and the partial frame is dropped. @module
 */

/** Splits `bytes` into views of at most `size` bytes each (no copy). */
export function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) parts.push(bytes.subarray(start, start + size));
  return parts;
}

/** One peer's frame in parts, put back together. */
export class Reassembly {
  readonly #maxBytes: number;
  #frame = -1;
  #count = 0;
  #parts: Buffer[] = [];
  #bytes = 0;

  /** @param maxBytes - The largest frame accepted; larger ones are dropped as they arrive. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /**
   * Adds part `index` of `count` of frame `frame`. Returns the whole frame once its last part arrives, `undefined`
   * meanwhile, and `false` when the part does not fit (out of order, too large): the partial frame is dropped.
   */
  add(frame: number, index: number, count: number, data: Uint8Array): Buffer | undefined | false {
    if (index === 0) this.reset();
    else if (frame !== this.#frame || count !== this.#count || index !== this.#parts.length) return this.#drop();
    if (count < 2 || data.length === 0 || this.#bytes + data.length > this.#maxBytes) return this.#drop();
    this.#frame = frame;
    this.#count = count;
    // The client may reuse the buffer behind `data` once this returns.
    this.#parts.push(Buffer.from(data));
    this.#bytes += data.length;
    if (this.#parts.length < count) return undefined;
    const whole = Buffer.concat(this.#parts, this.#bytes);
    this.reset();
    return whole;
  }

  get pending(): boolean {
    return this.#parts.length > 0;
  }

  reset(): void {
    this.#frame = -1;
    this.#count = 0;
    this.#parts = [];
    this.#bytes = 0;
  }

  #drop(): false {
    this.reset();
    return false;
  }
}
