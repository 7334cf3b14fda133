/**
 * The primary's end: a server on the socket path, each connection's handshake (first a `join` the gate admits, within
 * {@link HANDSHAKE_TIMEOUT_MS}, or it is closed unread), and the table of workers. Path, gate and workers expected before
 * they connect are the caller's (`path` mode, or node:cluster's rendezvous). @module
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { debug } from '../../wire/debug.js';
import { messageOf } from '../../wire/errors.js';
import { type PeerInfo, type PeerLink, PRIMARY_PEER, type TransportHandlers, type TransportPort } from '../transport.js';
import { SocketConnection } from './connection.js';
import { encodeMessage, MessageReader } from './framing.js';
import {
  HANDSHAKE_MAX_BYTES,
  HANDSHAKE_TIMEOUT_MS,
  HANDSHAKE_VERSION,
  type Join,
  type Leaving,
  type PrimaryHere,
  parseOpening,
  parsePrimaryHere,
} from './handshake.js';
import { isPipeName } from './options.js';

/** A worker as the primary sees it. */
export type WorkerPeer = Extract<PeerInfo, { side: 'worker' }>;

/** Who may join: the worker a `join` speaks for, or why it is refused. */
export type Gate = (join: Join) => WorkerPeer | { readonly refused: string };

export interface ListenerSettings {
  readonly maxFrameBytes: number;
  /** Whether the server and its connections keep the process alive (not under node:cluster, where the workers' channels do). */
  readonly keepAlive: boolean;
  /** Told once the path is taken for good by another primary, or cannot be listened on. */
  readonly onError: (error: Error) => void;
}

/** A worker known to the primary: from its join, or (under node:cluster) from its fork. */
interface Member {
  readonly link: PeerLink;
  connection: SocketConnection | undefined;
  /** While this primary steps down: runs when the worker answered `stepped`, or its connection closed. */
  stepped?: () => void;
}

/** How long a would-be primary waits for the process on the path to say who it is. */
const PROBE_TIMEOUT_MS = 1000;

/** Stale files replaced in a row before giving up (another process keeps putting one there). */
const MAX_STALE_REPLACEMENTS = 5;

/** How often a primary in standby checks whether the path came free. */
const STANDBY_RETRY_MS = 200;

/** What {@link probe} found on a path that was in use. */
type Probed =
  | { readonly kind: 'stale' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'primary'; readonly here: PrimaryHere }
  | { readonly kind: 'other'; readonly why: string };

export class SocketListener {
  readonly #handlers: TransportHandlers;
  readonly #settings: ListenerSettings;
  readonly #members = new Map<number, Member>();
  readonly #pending = new Set<Socket>();
  readonly #host = hostname();
  #gate: Gate = () => ({ refused: 'no worker is expected' });
  #server: Server | undefined = undefined;
  #path: string | undefined = undefined;
  /** The socket file this process made, to remove it on exit only if it is still ours. */
  #inode: number | undefined = undefined;
  #closed = false;
  #failed = false;
  /** Stepping down for a successor: the path is given up, the workers told. */
  #leaving = false;
  #listening: Promise<void> | undefined = undefined;

  constructor(handlers: TransportHandlers, settings: ListenerSettings) {
    this.#handlers = handlers;
    this.#settings = settings;
  }

  admitWith(gate: Gate): void {
    this.#gate = gate;
  }

  /**
   * Listens on `path`; resolves once it does, or once this primary gave up (refused, failed, closed). With `replaceStale`,
   * a socket file nobody listens on is replaced; a live primary's refuses this one, or makes it wait (`standby`).
   */
  listen(path: string, options: { readonly replaceStale: boolean; readonly standby: boolean }): Promise<void> {
    this.#path = path;
    this.#listening ??= this.#listen(path, options);
    return this.#listening;
  }

  async #listen(path: string, { replaceStale, standby }: { replaceStale: boolean; standby: boolean }): Promise<void> {
    let replaced = 0;
    let toldWaiting = false;
    while (!this.#closed && !this.#leaving) {
      const error = await this.#tryListen(path);
      if (error === undefined) {
        if (this.#leaving) return;
        this.#inode = inodeOf(path);
        if (toldWaiting) this.#settings.onError(new Error(`The path ${path} came free: this primary listens on it now`));
        return;
      }
      if (this.#closed) return;
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !replaceStale) {
        return this.#fail(`Cannot listen on the socket path ${path}: ${messageOf(error)}`);
      }
      const before = inodeOf(path);
      const found = await probe(path);
      if (this.#closed) return;
      if (found.kind === 'stale' || found.kind === 'gone') {
        if (++replaced > MAX_STALE_REPLACEMENTS) return this.#fail(`Cannot listen on the socket path ${path}: it stays in use`);
        // Only the file that was found stale: not one another primary put there meanwhile.
        if (found.kind === 'stale' && before !== undefined && inodeOf(path) === before) removeFile(path);
        continue;
      }
      const who =
        found.kind === 'primary'
          ? `Another primary (pid ${found.here.pid} on ${found.here.host || 'an unnamed host'}) is listening on ${path}`
          : `Another process is listening on ${path} (${found.why})`;
      if (!standby) return this.#fail(`${who}; this primary was refused`);
      if (!toldWaiting) this.#settings.onError(new Error(`${who}; this primary waits until the path comes free`));
      toldWaiting = true;
      replaced = 0;
      await new Promise((resolve) => setTimeout(resolve, STANDBY_RETRY_MS));
    }
  }

  /** Resolves with the error of a failed listen, `undefined` once listening. */
  #tryListen(path: string): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const server = createServer((socket) => this.#accept(socket));
      const onError = (error: Error): void => {
        server.close();
        resolve(error);
      };
      server.once('error', onError);
      // exclusive: a process that is itself a node:cluster worker (a PM2 instance) listens here itself, not through
      // its cluster primary, which would hold the socket and share it with any other primary started on the path.
      server.listen({ path, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (error) => debug(() => `the socket server on ${path} failed: ${error.message}`));
        if (!this.#settings.keepAlive) server.unref();
        this.#server = server;
        if (this.#closed || this.#leaving) server.close();
        resolve(undefined);
      });
    });
  }

  #fail(why: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    for (const member of [...this.#members.values()]) this.#drop(member, why);
    this.#handlers.failed(why);
    this.#settings.onError(new Error(why));
  }

  /**
   * A worker known before it connects (a forked cluster worker): a peer from now on, reached once it connects.
   * `announce`: tell the engine (`joined`); not while it is the engine that asked, through `peers()` or `peer()`.
   */
  expect(info: WorkerPeer, announce: boolean): void {
    if (this.#members.has(info.workerId) || this.#closed || this.#failed) return;
    const member = this.#member(info);
    if (announce) this.#handlers.joined(member.link);
  }

  has(workerId: number): boolean {
    return this.#members.has(workerId);
  }

  /** Worker `workerId` is gone (its process exited, its cluster channel closed): `left`, and its connection closed. */
  remove(workerId: number, why: string): void {
    const member = this.#members.get(workerId);
    if (member) this.#drop(member, why);
  }

  #member(info: WorkerPeer): Member {
    const member: Member = {
      connection: undefined,
      link: {
        info,
        send: (frame, done) =>
          this.#members.get(info.workerId) === member && member.connection ? member.connection.send(frame, done) : 'closed',
      },
    };
    this.#members.set(info.workerId, member);
    return member;
  }

  #drop(member: Member, why: string): void {
    const id = (member.link.info as WorkerPeer).workerId;
    if (this.#members.get(id) !== member) return;
    this.#members.delete(id);
    member.connection?.destroy(why);
    this.#handlers.left(member.link, why);
  }

  /** A new connection: it must join within the handshake timeout, and nothing else is read first. */
  #accept(socket: Socket): void {
    if (this.#closed || this.#failed || this.#leaving) {
      socket.destroy();
      return;
    }
    if (!this.#settings.keepAlive) socket.unref();
    this.#pending.add(socket);
    let member: Member | undefined;
    const timer = setTimeout(() => connection.destroy('it did not join in time'), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const connection: SocketConnection = SocketConnection.accepted(socket, this.#settings.maxFrameBytes, {
      opening: (value, malformed) => {
        clearTimeout(timer);
        this.#pending.delete(socket);
        member = this.#opening(connection, malformed ? undefined : value);
      },
      frame: (value) => {
        if (member && member.connection === connection) this.#handlers.received(member.link, value);
      },
      control: (message) => {
        if (message.t === 'stepped' && member?.connection === connection) member.stepped?.();
      },
      closed: (why) => {
        clearTimeout(timer);
        this.#pending.delete(socket);
        if (member && member.connection === connection) {
          member.stepped?.();
          this.#drop(member, why);
        }
      },
    });
  }

  /**
   * Steps down for a successor: frees the path at once (for a primary in standby), closes connections still in their
   * handshake (their workers retry and reach the successor), tells every worker `leaving`. Resolves once each answered
   * `stepped` (then sends nothing new here) or went, or after `withinMs`; frames flow both ways until `close()`.
   */
  async stepDown(withinMs: number): Promise<void> {
    if (this.#closed || this.#failed || this.#leaving) return;
    this.#leaving = true;
    // Closing the server removes the socket file: it was this process's, and no longer is.
    this.#inode = undefined;
    this.#server?.close();
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    const answers = [...this.#members.values()].flatMap((member) => {
      const connection = member.connection;
      if (!connection?.isOpen) return [];
      const answered = new Promise<void>((resolve) => {
        member.stepped = resolve;
      });
      connection.writeControl({ t: 'leaving' } satisfies Leaving);
      return [answered];
    });
    if (answers.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, withinMs);
    });
    await Promise.race([Promise.all(answers), late]);
    clearTimeout(timer);
  }

  /** The first message of a connection: a probe is answered, a join admitted or refused. */
  #opening(connection: SocketConnection, value: unknown): Member | undefined {
    const opening = parseOpening(value);
    if (!opening) {
      connection.destroy('its first message was not a join');
      return undefined;
    }
    if (opening.t === 'probe') {
      connection.writeControl({ t: 'primary', pid: process.pid, host: this.#host } satisfies PrimaryHere);
      void connection.end();
      return undefined;
    }
    const admitted = this.#gate(opening);
    if ('refused' in admitted) {
      debug(() => `refused a connection: ${admitted.refused}`);
      connection.writeControl({ t: 'refused', why: admitted.refused });
      void connection.end();
      return undefined;
    }
    let member = this.#members.get(admitted.workerId);
    // A worker that connects again (its rpc object was made anew) ends its previous connection.
    if (member?.connection) {
      this.#drop(member, 'it connected again');
      member = undefined;
    }
    const joining = member === undefined;
    member ??= this.#member(admitted);
    member.connection = connection;
    connection.writeControl({ t: 'welcome', id: admitted.workerId, pid: process.pid });
    connection.open();
    if (joining) this.#handlers.joined(member.link);
    return member;
  }

  port(closeMore: () => void): TransportPort {
    return {
      self: () => PRIMARY_PEER,
      peers: () =>
        [...this.#members.values()]
          .map((member) => member.link)
          .sort((a, b) => (a.info as WorkerPeer).workerId - (b.info as WorkerPeer).workerId),
      peer: (workerId) => this.#members.get(workerId)?.link,
      holdCallsWithoutPrimary: false,
      close: async () => {
        if (this.#closed) return;
        this.#closed = true;
        const members = [...this.#members.values()];
        this.#members.clear();
        for (const socket of this.#pending) socket.destroy();
        this.#pending.clear();
        const server = this.#server;
        const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
        await Promise.all(members.map((member) => member.connection?.end()));
        await closed;
        closeMore();
      },
    };
  }

  /** Removes the socket file if it is still the one this process made (on exit, without closing). */
  removeOwnFile(): void {
    const path = this.#path;
    if (path === undefined || this.#inode === undefined || isPipeName(path)) return;
    if (inodeOf(path) === this.#inode) removeFile(path);
  }
}

function inodeOf(path: string): number | undefined {
  if (isPipeName(path)) return undefined;
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    debug(() => `could not remove ${path}: ${messageOf(error)}`);
  }
}

/** Finds out what holds a path that was in use: nobody (a stale file), a primary, or something else. */
function probe(path: string): Promise<Probed> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (found: Probed): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(found);
    };
    const socket = createConnection(path);
    const timer = setTimeout(
      () => finish({ kind: 'other', why: 'it did not answer as a cluster-rpc primary' }),
      PROBE_TIMEOUT_MS,
    );
    const reader = new MessageReader(HANDSHAKE_MAX_BYTES, {
      message: (value) => {
        const here = parsePrimaryHere(value);
        finish(here ? { kind: 'primary', here } : { kind: 'other', why: 'it did not answer as a cluster-rpc primary' });
      },
      tooLarge: () => finish({ kind: 'other', why: 'it did not answer as a cluster-rpc primary' }),
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk, false));
    socket.on('connect', () => {
      const line = encodeMessage({ t: 'probe', v: HANDSHAKE_VERSION });
      if (line !== undefined) socket.write(line);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish({ kind: 'stale' });
      else if (error.code === 'ENOENT') finish({ kind: 'gone' });
      else finish({ kind: 'other', why: messageOf(error) });
    });
    socket.on('close', () => finish({ kind: 'other', why: 'it closed the connection without a word' }));
  });
}
