/** One connected socket, either side: its handshake message, then frames both ways; the only file reading or writing one. @module */
import type { Socket } from 'node:net';
import { debug } from '../../wire/debug.js';
import type { Frame } from '../../wire/protocol.js';
import type { SendResult } from '../transport.js';
import { connectReading, encodeMessage, MessageReader } from './framing.js';
import { type Control, HANDSHAKE_MAX_BYTES, parseControl } from './handshake.js';

/** What a connection tells its owner. Called at most once each for `closed`; never after it. */
export interface ConnectionEvents {
  /** The handshake message (the first one read), whatever it is. */
  opening(value: unknown, malformed: boolean): void;
  /** A frame, after {@link SocketConnection.open}: parsed JSON, checked by the rpc layer. */
  frame(value: unknown): void;
  /** A control message among the frames (a primary stepping down, and the answer). */
  control?(message: Control): void;
  /** The socket closed, or was closed for what the peer sent. */
  closed(why: string): void;
}

/**
 * Writes are `congested` once more than this waits in the socket's queue, as Node's IPC channel does: a frame of 100 KiB
 * the kernel could not take at once is no reason yet to hold the next call.
 */
const CONGESTED_BYTES = 128 * 1024;

/** Waits this long at most, on close, for the peer to read what was written and hang up too. */
const END_WAIT_MS = 1000;

export class SocketConnection {
  readonly socket: Socket;
  readonly #reader: MessageReader;
  readonly #events: ConnectionEvents;
  readonly #maxFrameBytes: number;
  #open = false;
  /** The first message was read: until {@link open}, nothing more is. */
  #opening = false;
  #closed = false;
  #why: string | undefined = undefined;
  /** The `done`s of writes not yet reported written, in order: from a write that congested on, until the socket drains. */
  #waiting: Array<(error: Error | null) => void> = [];

  /**
   * A connection a server accepted, read from the socket's `'data'` events (Node offers nothing leaner for those).
   * @param maxFrameBytes - The longest frame read once open: a longer line closes the connection.
   */
  static accepted(socket: Socket, maxFrameBytes: number, events: ConnectionEvents): SocketConnection {
    const connection = new SocketConnection(socket, maxFrameBytes, events);
    socket.on('data', (chunk: Buffer) => connection.#reader.push(chunk, false));
    return connection;
  }

  /** A connection this side opens to `path`, read through {@link connectReading}. */
  static connect(path: string, maxFrameBytes: number, events: ConnectionEvents): SocketConnection {
    let reader: MessageReader | undefined;
    const connection = new SocketConnection(
      connectReading(path, (chunk) => reader?.push(chunk, true)),
      maxFrameBytes,
      events,
    );
    reader = connection.#reader;
    return connection;
  }

  private constructor(socket: Socket, maxFrameBytes: number, events: ConnectionEvents) {
    this.socket = socket;
    this.#events = events;
    this.#maxFrameBytes = maxFrameBytes;
    this.#reader = new MessageReader(HANDSHAKE_MAX_BYTES, {
      message: (value, malformed) => this.#message(value, malformed),
      tooLarge: (bytes) => this.destroy(`it sent a line of ${bytes} bytes or more (the limit is ${this.#reader.maxBytes})`),
    });
    // Without a listener an 'error' would crash the process; 'close' follows it.
    socket.on('error', (error: Error) => {
      this.#why ??= `its connection failed: ${error.message}`;
    });
    socket.on('close', () => this.#ended(this.#why ?? 'its connection closed'));
  }

  readonly #drained = (): void => this.#settle(null);

  /** The handshake is done: frames flow from now on, up to the frame limit. */
  open(): void {
    this.#open = true;
    this.#reader.maxBytes = this.#maxFrameBytes;
  }

  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }

  /** Writes a handshake message. */
  writeControl(message: object): void {
    const line = encodeMessage(message);
    if (line !== undefined && !this.#closed && !this.socket.destroyed) this.socket.write(line);
  }

  /**
   * Writes a frame, with no callback (one per write costs Node a tick per turn). A frame the socket's queue holds counts
   * as written: its `done` runs at once, since {@link end} sends the queue before the socket ends. From a write that
   * leaves more than {@link CONGESTED_BYTES} waiting on, `done`s wait for the socket to drain (or close), in order.
   */
  send(frame: Frame, done: (error: Error | null) => void): SendResult {
    const socket = this.socket;
    if (this.#closed || !this.#open || socket.destroyed || !socket.writable) return 'closed';
    const line = encodeMessage(frame);
    if (line === undefined) {
      debug(() => 'dropped a frame that could not be written as JSON');
      return 'closed';
    }
    socket.write(line);
    // Not write()'s return value, false for any frame above 16 KiB before the kernel is even asked: what the kernel
    // did not take at once is what waits (write() then returned false, so 'drain' follows).
    const congested = socket.writableLength > CONGESTED_BYTES;
    if (!congested && this.#waiting.length === 0) {
      done(null);
      return 'sent';
    }
    if (this.#waiting.length === 0) socket.once('drain', this.#drained);
    this.#waiting.push(done);
    return congested ? 'congested' : 'sent';
  }

  /** Reports the waiting writes written (or failed, with `error`), in order. */
  #settle(error: Error | null): void {
    const waiting = this.#waiting;
    if (waiting.length === 0) return;
    this.#waiting = [];
    this.socket.off('drain', this.#drained);
    for (const done of waiting) done(error);
  }

  /** Closes after what was written has left, and the peer has read it (or a second has passed). */
  end(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), END_WAIT_MS);
      timer.unref();
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#why ??= 'this side closed the connection';
      this.socket.end();
    });
  }

  /** Closes at once, for `why`; nothing more is read. */
  destroy(why: string): void {
    this.#why ??= why;
    this.#reader.stop();
    this.socket.destroy();
  }

  #message(value: unknown, malformed: boolean): void {
    if (this.#closed) return;
    if (!this.#open) {
      if (this.#opening) return;
      this.#opening = true;
      return this.#events.opening(value, malformed);
    }
    if (malformed) return debug(() => 'dropped a frame that is not JSON');
    const control = this.#events.control && parseControl(value);
    if (control) return this.#events.control?.(control);
    this.#events.frame(value);
  }

  #ended(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.stop();
    this.#settle(new Error(why));
    this.#events.closed(why);
  }
}
