/**
 * The worker's end: connects to the primary's socket, joins with its secret, carries frames once welcomed; when to try
 * again is the caller's. A primary stepping down still answers what it was sent while the worker joins its successor. @module
 */
import { hostname } from 'node:os';
import { type PeerInfo, type PeerLink, PRIMARY_PEER, type TransportHandlers, type TransportPort } from '../transport.js';
import { SocketConnection } from './connection.js';
import { HANDSHAKE_TIMEOUT_MS, HANDSHAKE_VERSION, type Join, parseAnswer, type Stepped } from './handshake.js';

/** What the caller hears about its attempts. */
export interface ConnectorEvents {
  /** An attempt did not get this worker in; `refused`: the primary said no (a wrong secret), rather than not being there. */
  attemptFailed(why: string, refused: boolean): void;
  /** The primary this worker had joined is gone (its socket closed), or steps down: time to join the next one. */
  lost(why: string): void;
}

export interface ConnectorSettings {
  readonly maxFrameBytes: number;
  /** Whether the connection keeps the process alive (not under node:cluster, where the IPC channel does). */
  readonly keepAlive: boolean;
  /** Whether the rpc layer should hold calls while no primary is joined. */
  readonly holdCalls: () => boolean;
}

interface Joined {
  readonly link: PeerLink;
  readonly connection: SocketConnection;
}

export class SocketConnector {
  readonly #handlers: TransportHandlers;
  readonly #settings: ConnectorSettings;
  readonly #host = hostname();
  #events: ConnectorEvents = { attemptFailed() {}, lost() {} };
  #self: PeerInfo;
  #joined: Joined | undefined = undefined;
  /** Primaries that stepped down and still owe answers, until their connection closes. */
  readonly #retiring = new Map<SocketConnection, PeerLink>();
  /** The attempt under way, if any: one at a time. */
  #attempt: SocketConnection | undefined = undefined;
  #closed = false;
  /** Why the last attempt failed or the last primary went, for the error of calls that waited for one in vain. */
  #lastFailure: string | undefined = undefined;

  constructor(handlers: TransportHandlers, settings: ConnectorSettings, workerId: number) {
    this.#handlers = handlers;
    this.#settings = settings;
    this.#self = this.#info(workerId);
  }

  reportTo(events: ConnectorEvents): void {
    this.#events = events;
  }

  #info(workerId: number): PeerInfo {
    return Object.freeze({ side: 'worker', workerId, pid: process.pid, host: this.#host });
  }

  /** Whether this worker has joined a primary, or is trying to. */
  get busy(): boolean {
    return this.#joined !== undefined || this.#attempt !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tries once to join the primary at `path` with `secret`; `id`: this worker's cluster id, or 0 to be given one. */
  connect(path: string, secret: string, id: number): void {
    if (this.#closed || this.busy) return;
    let welcomed = false;
    const timer = setTimeout(() => connection.destroy('the primary did not answer the join in time'), HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const connection: SocketConnection = SocketConnection.connect(path, this.#settings.maxFrameBytes, {
      opening: (value) => {
        clearTimeout(timer);
        const answer = parseAnswer(value);
        if (answer?.t !== 'welcome') {
          const why = answer ? `the primary refused this worker: ${answer.why}` : 'the primary did not answer as expected';
          connection.destroy(why);
          this.#attempt = undefined;
          this.#lastFailure = why;
          return this.#events.attemptFailed(why, answer !== undefined);
        }
        welcomed = true;
        this.#attempt = undefined;
        connection.open();
        this.#welcomed(connection, answer.id);
      },
      frame: (value) => {
        const joined = this.#joined;
        if (joined?.connection === connection) this.#handlers.received(joined.link, value);
        else {
          const retiring = this.#retiring.get(connection);
          if (retiring) this.#handlers.received(retiring, value);
        }
      },
      control: (message) => {
        if (message.t === 'leaving') this.#leaving(connection);
      },
      closed: (why) => {
        clearTimeout(timer);
        if (!welcomed) {
          if (this.#attempt !== connection) return;
          this.#attempt = undefined;
          this.#lastFailure = why;
          return this.#events.attemptFailed(why, false);
        }
        this.#lose(connection, `the connection to the primary closed (${why})`);
      },
    });
    if (!this.#settings.keepAlive) connection.socket.unref();
    this.#attempt = connection;
    connection.writeControl({ t: 'join', v: HANDSHAKE_VERSION, secret, id, pid: process.pid, host: this.#host } satisfies Join);
  }

  #welcomed(connection: SocketConnection, workerId: number): void {
    if (this.#closed) {
      void connection.end();
      return;
    }
    const link: PeerLink = {
      info: PRIMARY_PEER,
      // Also while it steps down: the answers it is owed, and what was queued before `stepped`, still go to it.
      send: (frame, done) =>
        this.#joined?.link === link || this.#retiring.get(connection) === link ? connection.send(frame, done) : 'closed',
    };
    this.#self = this.#info(workerId);
    this.#joined = { link, connection };
    this.#lastFailure = undefined;
    this.#handlers.joined(link);
  }

  /** The primary steps down: calls made from now on wait for its successor; what it was sent is still answered here. */
  #leaving(connection: SocketConnection): void {
    const joined = this.#joined;
    if (joined?.connection !== connection) return;
    this.#joined = undefined;
    this.#retiring.set(connection, joined.link);
    this.#handlers.leaving(joined.link, () => connection.writeControl({ t: 'stepped' } satisfies Stepped));
    if (!this.#closed) this.#events.lost('the primary is stepping down');
  }

  #lose(connection: SocketConnection, why: string): void {
    const retiring = this.#retiring.get(connection);
    if (retiring) {
      this.#retiring.delete(connection);
      return this.#handlers.left(retiring, why);
    }
    const joined = this.#joined;
    if (joined?.connection !== connection) return;
    this.#joined = undefined;
    this.#lastFailure = why;
    this.#handlers.left(joined.link, why);
    if (!this.#closed) this.#events.lost(why);
  }

  /** Drops the primary (if joined) and any attempt: the cluster channel says the primary is gone for good. */
  disconnect(why: string): void {
    const joined = this.#joined;
    this.#attempt?.destroy(why);
    this.#attempt = undefined;
    for (const connection of [...this.#retiring.keys()]) connection.destroy(why);
    if (joined) {
      joined.connection.destroy(why);
      this.#lose(joined.connection, why);
    }
  }

  port(closeMore: () => void): TransportPort {
    const connector = this;
    return {
      self: () => this.#self,
      peers: () => (this.#joined ? [this.#joined.link] : []),
      peer: () => undefined,
      get holdCallsWithoutPrimary() {
        return connector.#settings.holdCalls();
      },
      whyNoPrimary: () =>
        this.#lastFailure === undefined ? 'no primary has joined' : `no primary has joined (${this.#lastFailure})`,
      close: async () => {
        if (this.#closed) return;
        this.#closed = true;
        closeMore();
        this.#attempt?.destroy('this worker closed its rpc object');
        this.#attempt = undefined;
        const connections = [this.#joined?.connection, ...this.#retiring.keys()];
        this.#joined = undefined;
        this.#retiring.clear();
        await Promise.all(connections.map((connection) => connection?.end()));
      },
    };
  }
}
