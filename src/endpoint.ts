/**
 * What both sides share: turning incoming frames into actions, one small
 * function per envelope kind; making calls; and the order of a close.
 * The primary and worker modules add what only their side does (events,
 * which peers exist).
 *
 * @module
 */
import pTimeout from 'p-timeout';
import { type CallHost, type CallOptions, startCall } from './call.js';
import { DecodeFailure, decodePayload, type EncodeResult } from './codec.js';
import type { Connection } from './connection.js';
import { debug } from './debug.js';
import { RpcError, siteError } from './errors.js';
import type { ListenerErrorReporter } from './event-hub.js';
import type { ProcedureDef } from './procedure.js';
import {
  type BroadcastEnvelope,
  bye,
  type CancelCode,
  type EmitEnvelope,
  type Envelope,
  type ErrEnvelope,
  type EventEnvelope,
  err,
  hello,
  type OkEnvelope,
  parseFrame,
} from './protocol.js';
import type { Schema } from './schema.js';
import { type ServeHost, serveCall } from './serve.js';

/** How an endpoint is set up. */
export interface EndpointConfig {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  /** How this side names itself in error messages: its worker id, or `'primary'`. */
  readonly self: number | 'primary';
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  /** Handles the event envelopes; each side accepts only its own kinds. */
  readonly onEvent: (conn: Connection, envelope: EmitEnvelope | BroadcastEnvelope | EventEnvelope) => void;
}

/** How either side is set up, from the options of `createClusterRpc`. @internal */
export interface SideConfig {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  readonly events: ReadonlyMap<string, Schema>;
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly onListenerError: ListenerErrorReporter;
}

/** One side, running: its API, and what `createClusterRpc` forwards. @internal */
export interface RunningSide<TApi> {
  readonly api: TApi;
  close(options?: CloseOptions): Promise<void>;
  /** Calls waiting plus calls being served: 0 when idle. */
  pendingCount(): number;
}

/**
 * Options of `rpc.close()`.
 *
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 *
 * process.once('SIGTERM', async () => {
 *   await rpc.close({ grace: 5000 }); // calls under way get up to 5 s to finish
 *   process.exit(0);
 * });
 * ```
 *
 * @group Call and listen
 */
export interface CloseOptions {
  /**
   * Milliseconds to let calls already under way finish, in both directions,
   * before the rest are settled with `SHUTTING_DOWN`. New calls fail with
   * `SHUTTING_DOWN` from the start. Defaults to 0: settle everything at once.
   */
  readonly grace?: number;
}

/** Waits this long at most for the last frames (`bye`, final answers) to be written. */
const FINAL_WRITE_WAIT_MS = 1000;

/** One side's rpc machinery, over any number of connections. */
export class Endpoint implements ServeHost, CallHost {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  readonly self: number | 'primary';
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  accepting = true;

  #servingCount = 0;
  #servingIdle: Array<() => void> = [];
  #closing: Promise<void> | undefined = undefined;

  constructor(private readonly config: EndpointConfig) {
    this.procedures = config.procedures;
    this.self = config.self;
    this.defaultTimeoutMs = config.defaultTimeoutMs;
    this.maxPayloadBytes = config.maxPayloadBytes;
  }

  /** Calls `path` on the peer behind `conn` (`undefined`: no such live peer). */
  call(
    conn: Connection | undefined,
    target: number | 'primary',
    path: unknown,
    input: unknown,
    options?: CallOptions,
    encodedInput?: EncodeResult,
  ): Promise<unknown> {
    if (typeof path !== 'string') {
      // Not String(path) for objects: `{ toString: 'x' }` would make it throw instead of rejecting.
      const shown =
        typeof path === 'object' || typeof path === 'function' ? `(${path === null ? 'null' : typeof path})` : String(path);
      return Promise.reject(siteError('NOT_FOUND', { path: shown, target }, 'A procedure path must be a string'));
    }
    return startCall(this, conn, { path, target }, input, options, encodedInput);
  }

  /** Takes one message from `conn`'s channel. Foreign messages are ignored; ours are dispatched. Never throws. */
  receive(conn: Connection, message: unknown): void {
    const parsed = parseFrame(message);
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'malformed') return debug(() => `dropped a frame from ${conn.describe()}: ${parsed.reason}`);
    if (parsed.dropped > 0) debug(() => `dropped ${parsed.dropped} malformed envelope(s) from ${conn.describe()}`);
    // Anything from the peer proves it listens, even if its hello was lost.
    if (conn.state === 'starting') conn.markReady();
    for (const envelope of parsed.envelopes) {
      try {
        this.#dispatch(conn, envelope);
      } catch (error) {
        debug(() => `envelope '${envelope[0]}' from ${conn.describe()} failed: ${String(error)}`);
      }
    }
  }

  #dispatch(conn: Connection, envelope: Envelope): void {
    switch (envelope[0]) {
      case 'hello':
        conn.markReady();
        if (envelope[1] === 0 && this.#closing === undefined) conn.send(hello(1));
        return;
      case 'bye':
        return this.#peerClosed(conn);
      case 'call':
        return serveCall(this, conn, envelope);
      case 'ok':
        return this.#answered(conn, envelope);
      case 'err':
        return this.#failed(conn, envelope);
      case 'cancel':
        return conn.serving.get(envelope[1])?.abort(cancelReason(envelope[2]));
      case 'emit':
      case 'bcast':
      case 'event':
        return this.config.onEvent(conn, envelope);
      default:
        return assertNever(envelope);
    }
  }

  #answered(conn: Connection, [, id, result]: OkEnvelope): void {
    if (!conn.pending.has(id)) return debug(() => `dropped a late answer ${id} from ${conn.describe()}`);
    const value = decodePayload(result);
    if (!(value instanceof DecodeFailure)) conn.pending.resolve(id, value);
    else
      conn.pending.reject(
        id,
        new RpcError('UNSERIALIZABLE', `The answer from ${conn.describe()} could not be decoded: ${value.detail}`),
      );
  }

  #failed(conn: Connection, [, id, wire]: ErrEnvelope): void {
    if (!conn.pending.has(id)) return debug(() => `dropped a late error ${id} from ${conn.describe()}`);
    const data = wire.data ? decodePayload(wire.data) : undefined;
    const options = { issues: wire.issues, data: data instanceof DecodeFailure ? undefined : data };
    conn.pending.reject(id, new RpcError(wire.code, wire.message, options));
  }

  #peerClosed(conn: Connection): void {
    conn.markClosed();
    conn.pending.rejectAll((site) => siteError('SHUTTING_DOWN', site, 'The target closed its rpc object before answering'));
    this.#abortServing(conn, new RpcError('SHUTTING_DOWN', `The caller (${conn.describe()}) closed its rpc object`));
  }

  /** The process behind `conn` exited or its channel closed. Safe to call twice. */
  connectionGone(conn: Connection, why: string): void {
    if (conn.state === 'gone') return;
    conn.markGone();
    conn.pending.rejectAll((site) => siteError('DISCONNECTED', site, `The target went away before answering: ${why}`));
    this.#abortServing(conn, new RpcError('DISCONNECTED', `The caller (${conn.describe()}) went away: ${why}`));
  }

  #abortServing(conn: Connection, reason: RpcError): void {
    for (const served of conn.serving.values()) served.abort(reason);
    conn.serving.clear();
  }

  /** A new connection: say hello, in case the peer listens already. */
  greet(conn: Connection): void {
    conn.send(hello(0));
  }

  servingStarted(): void {
    this.#servingCount++;
  }

  servingEnded(): void {
    this.#servingCount--;
    if (this.#servingCount === 0 && this.#servingIdle.length > 0) for (const wake of this.#servingIdle.splice(0)) wake();
  }

  #whenIdle(connections: readonly Connection[]): Promise<unknown> {
    const serving = this.#servingCount === 0 ? Promise.resolve() : new Promise<void>((wake) => this.#servingIdle.push(wake));
    return Promise.all([serving, ...connections.map((conn) => conn.pending.whenEmpty())]);
  }

  /**
   * Closes this side: new calls fail at once, calls under way get `grace` ms,
   * then every call left is settled with `SHUTTING_DOWN`, peers are told
   * `bye`, and `detach` removes the listeners. Idempotent.
   */
  close(connections: () => readonly Connection[], detach: () => void, options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(connections, detach, options?.grace ?? 0);
    return this.#closing;
  }

  async #close(connections: () => readonly Connection[], detach: () => void, graceMs: number): Promise<void> {
    this.accepting = false;
    if (graceMs > 0) {
      await pTimeout(this.#whenIdle(connections()), { milliseconds: graceMs, fallback: () => undefined });
    }
    const reason = new RpcError(
      'SHUTTING_DOWN',
      `The rpc object on ${this.self === 'primary' ? 'the primary' : `worker ${this.self}`} closed`,
    );
    const written: Array<Promise<unknown>> = [];
    for (const conn of connections()) {
      conn.pending.rejectAll((site) => siteError('SHUTTING_DOWN', site, 'This rpc object closed before the answer came'));
      for (const [id, served] of conn.serving) {
        served.abort(reason);
        conn.send(errFor(id, reason));
      }
      conn.serving.clear();
      conn.send(bye());
      written.push(conn.whenWritten());
    }
    await pTimeout(Promise.all(written), { milliseconds: FINAL_WRITE_WAIT_MS, fallback: () => undefined });
    detach();
  }
}

function cancelReason(code: CancelCode): RpcError {
  return new RpcError(code, code === 'TIMEOUT' ? 'The caller timed out' : 'The caller aborted the call');
}

function errFor(id: string, error: RpcError): ErrEnvelope {
  return err(id, { code: error.code, message: error.message });
}

function assertNever(value: never): never {
  throw new TypeError(`Unhandled envelope ${JSON.stringify(value)}`);
}
