/**
 * How messages cross a socket: one line of JSON each, ended by a newline, as Node's IPC channel writes them (JSON escapes
 * newlines inside strings, and in UTF-8 0x0A is never part of another character, so the first 0x0A ends a message). The
 * reader finds newlines with `Buffer.indexOf` and decodes a line once, when it is whole, where it lies if in one chunk.
 * @module
 */
import { createConnection, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

const NEWLINE = 0x0a;

/** `value` as one line (its JSON and a newline), or `undefined` when it cannot be written as JSON (a `BigInt`, a cycle). */
export function encodeMessage(value: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined;
  }
  return json === undefined ? undefined : `${json}\n`;
}

/** What one read of a connection opened with {@link connectReading} can bring: what libuv asks for by default. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Connects to `path`, reading into one buffer of its own (`onread`), without the stream's machinery and a fresh buffer
 * per read (which cost more than a lone frame). `read` gets each chunk, whose memory is reused once it returns.
 */
export function connectReading(path: string, read: (chunk: Buffer) => void): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return createConnection({
    path,
    onread: {
      buffer,
      callback: (bytes: number) => {
        read(buffer.subarray(0, bytes));
        return true;
      },
    },
  });
}

/** What a {@link MessageReader} hands on. */
export interface MessageSink {
  /** A whole message: its JSON, parsed, or `undefined` with `malformed` set when it was not JSON. */
  message(value: unknown, malformed: boolean): void;
  /** A line longer than the reader's limit (at least `bytes` long, not ended yet): nothing more is read. */
  tooLarge(bytes: number): void;
}

/**
 * Cuts a byte stream into lines of JSON. Memory stays within the limit plus one chunk: a longer line stops the reader.
 * The sink may change `maxBytes` or {@link stop} the reader from inside a callback; the next message obeys.
 */
export class MessageReader {
  /** The longest line accepted, in bytes, without its newline. */
  maxBytes: number;
  readonly #sink: MessageSink;
  /** The start of a line not yet ended, in arrival order. */
  #parts: Buffer[] = [];
  #partBytes = 0;
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

  /**
   * Takes the next chunk of the stream.
   * @param reused - The chunk's memory is read into again once this returns: what is kept is copied.
   */
  push(chunk: Buffer, reused: boolean): void {
    if (this.#stopped || chunk.length === 0) return;
    let start = 0;
    let end = chunk.indexOf(NEWLINE);
    if (this.#partBytes > 0) {
      if (end === -1) return this.#hold(chunk, 0, reused);
      if (!this.#fits(this.#partBytes + end)) return;
      this.#readHeld(chunk.subarray(0, end));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    while (end !== -1 && !this.#stopped) {
      if (!this.#fits(end - start)) return;
      this.#parse(chunk.toString('utf8', start, end));
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (!this.#stopped && start < chunk.length) this.#hold(chunk, start, reused);
  }

  /** Keeps the start of a line, or stops the reader when it is already too long. */
  #hold(chunk: Buffer, start: number, reused: boolean): void {
    const bytes = chunk.length - start;
    if (!this.#fits(this.#partBytes + bytes)) return;
    const part = start === 0 ? chunk : chunk.subarray(start);
    this.#parts.push(reused ? Buffer.from(part) : part);
    this.#partBytes += bytes;
  }

  /** The held parts and `last` make a whole line: decode it part by part, without joining the bytes first. */
  #readHeld(last: Buffer): void {
    const decoder = new StringDecoder('utf8');
    let text = '';
    for (const part of this.#parts) text += decoder.write(part);
    text += decoder.write(last);
    text += decoder.end();
    this.#parts = [];
    this.#partBytes = 0;
    this.#parse(text);
  }

  #fits(bytes: number): boolean {
    if (bytes <= this.maxBytes) return true;
    this.stop();
    this.#sink.tooLarge(bytes);
    return false;
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
