/**
 * How messages cross a socket: each one is a 4-byte big-endian length
 * followed by that many bytes of UTF-8 JSON. The reader keeps the chunks of a
 * message that is still arriving in a list and decodes them once, when the
 * message is whole; a message that sits in one chunk is read where it lies.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

/** The length prefix. */
const HEADER_BYTES = 4;

/** The largest length the prefix can hold. */
export const MAX_MESSAGE_BYTES = 0xffff_ffff;

/**
 * Messages below this are copied into one buffer from Node's pool; larger ones
 * go as their prefix and their string, so Node encodes the text into memory of
 * its own instead of a new buffer the garbage collector has to account for.
 */
const POOLED_BYTES = 4096;

/** `value`'s JSON, or `undefined` when it cannot be written as JSON (a `BigInt`, a cycle). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function header(bytes: number): Buffer {
  const prefix = Buffer.allocUnsafe(HEADER_BYTES);
  prefix.writeUInt32BE(bytes, 0);
  return prefix;
}

/** `value` as one message, or `undefined` when it cannot be written as JSON. */
export function encodeMessage(value: unknown): Buffer | undefined {
  const json = jsonOf(value);
  if (json === undefined) return undefined;
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_MESSAGE_BYTES) return undefined;
  const message = Buffer.allocUnsafe(HEADER_BYTES + bytes);
  message.writeUInt32BE(bytes, 0);
  message.write(json, HEADER_BYTES, bytes, 'utf8');
  return message;
}

/**
 * Writes `value` as one message on `socket`; `done` runs once it was written
 * (or the socket died). Returns false, writing nothing, when `value` is no JSON.
 */
export function writeMessage(socket: Socket, value: unknown, done: (error?: Error | null) => void): boolean {
  const json = jsonOf(value);
  if (json === undefined) return false;
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_MESSAGE_BYTES) return false;
  if (bytes < POOLED_BYTES) {
    const message = Buffer.allocUnsafe(HEADER_BYTES + bytes);
    message.writeUInt32BE(bytes, 0);
    message.write(json, HEADER_BYTES, bytes, 'utf8');
    socket.write(message, done);
    return true;
  }
  // One write to the kernel for both (writev).
  socket.cork();
  socket.write(header(bytes));
  socket.write(json, 'utf8', done);
  socket.uncork();
  return true;
}

/** What a {@link MessageReader} hands on. */
export interface MessageSink {
  /** A whole message: its JSON, parsed, or `undefined` with `malformed` set when it was not JSON. */
  message(value: unknown, malformed: boolean): void;
  /** A length prefix above the reader's limit: nothing more is read. */
  tooLarge(bytes: number): void;
}

/**
 * Cuts a byte stream into messages. Memory stays within the limit plus one
 * chunk: a prefix above it stops the reader before anything is allocated for
 * it. The sink may lower or raise the limit (`maxBytes`) or {@link stop} the
 * reader from inside a callback; the next message obeys.
 */
export class MessageReader {
  /** The largest message accepted. */
  maxBytes: number;
  readonly #sink: MessageSink;
  /** Bytes of a message not yet whole, in arrival order. */
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** The length of the message in `#parts`, once its prefix is whole; -1 before. */
  #expected = -1;
  #stopped = false;

  constructor(maxBytes: number, sink: MessageSink) {
    this.maxBytes = maxBytes;
    this.#sink = sink;
  }

  /** Nothing more is read; what was buffered is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#parts = [];
    this.#partBytes = 0;
  }

  /** Bytes held for a message that is not whole yet. */
  get buffered(): number {
    return this.#partBytes;
  }

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    if (this.#stopped || chunk.length === 0) return;
    if (this.#partBytes === 0) return this.#read(chunk, 0);
    this.#parts.push(chunk);
    this.#partBytes += chunk.length;
    if (this.#expected < 0) {
      if (this.#partBytes < HEADER_BYTES) return;
      this.#expected = this.#peekLength();
      if (!this.#fits(this.#expected)) return;
    }
    if (this.#partBytes < HEADER_BYTES + this.#expected) return;
    this.#readHeld();
  }

  /** The held parts make a whole message (only the last part may go beyond it): decode it part by part, read on after it. */
  #readHeld(): void {
    const end = HEADER_BYTES + this.#expected;
    const decoder = new StringDecoder('utf8');
    let text = '';
    let offset = 0;
    let rest: Buffer | undefined;
    for (const part of this.#parts) {
      const start = Math.max(HEADER_BYTES - offset, 0);
      const stop = Math.min(part.length, end - offset);
      if (stop > start) text += decoder.write(part.subarray(start, stop));
      if (stop < part.length) rest = part.subarray(stop);
      offset += part.length;
    }
    text += decoder.end();
    this.#parts = [];
    this.#partBytes = 0;
    this.#expected = -1;
    this.#parse(text);
    if (rest) this.#read(rest, 0);
  }

  /** Reads every whole message of `buffer` from `offset`; keeps the rest for later. */
  #read(buffer: Buffer, offset: number): void {
    let at = offset;
    while (!this.#stopped && buffer.length - at >= HEADER_BYTES) {
      const length = buffer.readUInt32BE(at);
      if (!this.#fits(length)) return;
      const end = at + HEADER_BYTES + length;
      if (end > buffer.length) break;
      this.#deliver(buffer, at + HEADER_BYTES, end);
      at = end;
    }
    if (this.#stopped || at === buffer.length) return;
    const rest = buffer.subarray(at);
    this.#parts = [rest];
    this.#partBytes = rest.length;
    this.#expected = rest.length >= HEADER_BYTES ? rest.readUInt32BE(0) : -1;
  }

  #fits(length: number): boolean {
    if (length <= this.maxBytes) return true;
    this.stop();
    this.#sink.tooLarge(length);
    return false;
  }

  /** The length prefix of the held message, whose first bytes may be spread over several chunks. */
  #peekLength(): number {
    let length = 0;
    let taken = 0;
    for (const part of this.#parts) {
      for (let index = 0; index < part.length && taken < HEADER_BYTES; index++, taken++) {
        length = length * 256 + (part[index] as number);
      }
      if (taken === HEADER_BYTES) break;
    }
    return length;
  }

  #deliver(buffer: Buffer, start: number, end: number): void {
    this.#parse(buffer.toString('utf8', start, end));
  }

  #parse(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#sink.message(undefined, true);
      return;
    }
    this.#sink.message(value, false);
  }
}
