/**
 * The hand-written socket channel of `raw/socket` and the HTTP cell's `socket` server (bench/README.md): JSON lines over a Unix
 * socket, with the socket transport's own framing, and none of cluster-rpc's ids, batching, checks or handshake.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectReading as connectReadingInto, encodeMessage, MessageReader } from '../../src/transports/socket/framing.js';

/** The socket of the benchmark's primary `primaryPid`: workers find it from their parent's pid. */
function socketPath(primaryPid: number): string {
  return join(tmpdir(), `crpc-bench-${primaryPid}.sock`);
}

/** The most a message may announce: 64 MiB (the largest payload is 1 MB). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Listener = (message: unknown) => void;

function readerFor(socket: Socket, listener: Listener): MessageReader {
  return new MessageReader(MAX_MESSAGE_BYTES, { message: (value) => listener(value), tooLarge: () => socket.destroy() });
}

/** Reads messages from an accepted `socket` and hands each to `listener`. */
function readMessages(socket: Socket, listener: Listener): void {
  const reader = readerFor(socket, listener);
  socket.on('data', (chunk: Buffer) => reader.push(chunk, false));
}

/** Connects to `path`, reading as the transport's worker side does. */
function connectReading(path: string, listener: Listener): Socket {
  let reader: MessageReader | undefined;
  const socket = connectReadingInto(path, (chunk) => reader?.push(chunk, true));
  reader = readerFor(socket, listener);
  return socket;
}

function write(socket: Socket, message: unknown): void {
  const line = encodeMessage(message);
  if (line !== undefined) socket.write(line);
}

/** The primary's end: one connection per worker, by worker id. */
export class SocketHub {
  readonly ready: Promise<void>;
  readonly #server: Server;
  readonly #sockets = new Map<number, Socket>();
  readonly #listeners = new Map<number, Listener>();

  constructor() {
    const path = socketPath(process.pid);
    if (existsSync(path)) unlinkSync(path);
    this.#server = createServer((socket) => {
      socket.on('error', () => undefined);
      let workerId = 0;
      readMessages(socket, (message) => {
        if (workerId === 0) {
          // The first message says who the worker is; the answer says the primary listens to it.
          workerId = Number((message as { w?: unknown }).w);
          this.#sockets.set(workerId, socket);
          write(socket, { ok: 1 });
          return;
        }
        this.#listeners.get(workerId)?.(message);
      });
    });
    this.ready = new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(path, () => resolve());
    });
  }

  /** Hands `worker`'s messages to `listener`. */
  on(workerId: number, listener: Listener): void {
    this.#listeners.set(workerId, listener);
  }

  /** A sender to `worker`, which connects once the hub listens (its `open` waits for that). */
  sender(workerId: number): (message: unknown) => void {
    let socket = this.#sockets.get(workerId);
    return (message) => {
      socket ??= this.#sockets.get(workerId);
      if (socket) write(socket, message);
    };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.values()) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A worker's end, once the primary has heard who it is. */
export interface SocketLine {
  send(message: unknown): void;
  on(listener: Listener): void;
  close(): void;
}

/** Connects this worker to its primary's hub. */
export function connectToHub(workerId: number): Promise<SocketLine> {
  return new Promise((resolve, reject) => {
    let listener: Listener | undefined;
    let greeted = false;
    const socket = connectReading(socketPath(process.ppid), (message) => {
      if (!greeted) {
        greeted = true;
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve({
          send: (next) => write(socket, next),
          on: (next) => {
            listener = next;
          },
          close: () => socket.destroy(),
        });
        return;
      }
      listener?.(message);
    });
    socket.once('error', reject);
    write(socket, { w: workerId });
  });
}
