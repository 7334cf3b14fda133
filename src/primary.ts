/**
 * The primary's side: a connection per worker, present and future; calls to
 * one worker or all of them; broadcasts; and the relay of workers' broadcasts.
 *
 * @module
 */
import type { Worker } from 'node:cluster';
import { currentWorkers, findWorker, linkToWorker, listenToWorkers, pidOf } from './channel.js';
import { encodePayload } from './codec.js';
import { Connection, type DeliveryOutcome } from './connection.js';
import { Endpoint, type RunningSide, type SideConfig } from './endpoint.js';
import { RpcError, toRpcError } from './errors.js';
import { EventHub } from './event-hub.js';
import type {
  AnyRouter,
  CallArgs,
  EventArgs,
  EventInput,
  EventName,
  EventPayload,
  RouterInput,
  RouterOutput,
  RouterPath,
} from './inference.js';
import { type Envelope, event } from './protocol.js';

/**
 * Who sent an event the primary receives: the second argument of its
 * listeners.
 *
 * @example
 * ```ts
 * import type { PrimaryEventMeta } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * const slowest = new Map<number, number>();
 * function record({ ms }: { ms: number }, meta: PrimaryEventMeta): void {
 *   slowest.set(meta.workerId, Math.max(ms, slowest.get(meta.workerId) ?? 0));
 * }
 * rpc.primary.on('requestServed', record);
 * ```
 *
 * @group Call and listen
 */
export interface PrimaryEventMeta {
  /** The sending worker's cluster id. */
  readonly workerId: number;
  /** The sending worker's process id. */
  readonly pid: number;
}

/**
 * One worker's outcome in {@link PrimaryRpc.callAll}, shaped like an entry of
 * `Promise.allSettled` plus the worker's id. Narrow it on `status`.
 *
 * @typeParam TValue - What the procedure returns.
 *
 * @example
 * ```ts
 * import type { CallAllResult } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * function summarise(entries: Array<CallAllResult<{ pid: number }>>): string[] {
 *   return entries.map((entry) =>
 *     entry.status === 'fulfilled' ? `worker ${entry.workerId}: pid ${entry.value.pid}` : `worker ${entry.workerId}: ${entry.error.code}`,
 *   );
 * }
 * console.log(summarise(await rpc.primary.callAll('stats')));
 * ```
 *
 * @group Call and listen
 */
export type CallAllResult<TValue> =
  | {
      /** The worker's cluster id. */
      readonly workerId: number;
      /** The call succeeded. */
      readonly status: 'fulfilled';
      /** What the worker's procedure returned. */
      readonly value: TValue;
    }
  | {
      /** The worker's cluster id. */
      readonly workerId: number;
      /** The call failed on this worker. */
      readonly status: 'rejected';
      /** Why: `TIMEOUT`, `DISCONNECTED`, the handler's own error, and so on. */
      readonly error: RpcError;
    };

/**
 * What the primary can do: call the procedures every worker serves, send
 * events to workers, and listen to theirs. Read it as `rpc.primary` (in the
 * primary only: reading it in a worker throws).
 *
 * @typeParam TWorkerRouter - The router the workers serve.
 * @typeParam TEvents - The event set.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { rpc } from './rpc.js';
 *
 * if (cluster.isPrimary) {
 *   const worker = cluster.fork();
 *   rpc.primary.on('requestServed', ({ path, ms }, { workerId }) => console.log(workerId, path, ms));
 *   console.log(await rpc.primary.call(worker, 'stats'));
 *   await rpc.primary.broadcast('configChanged', { key: 'mode', value: 'fast' });
 * }
 * ```
 *
 * @group Call and listen
 */
export interface PrimaryRpc<TWorkerRouter extends AnyRouter, TEvents> {
  /**
   * Calls a procedure on one worker.
   *
   * A worker that is still starting is waited for, within the timeout. A
   * worker that is not alive rejects with `DISCONNECTED` at once, and so do
   * calls in flight to a worker that exits or disconnects.
   *
   * @param worker - A cluster `Worker`, or its `id`.
   * @typeParam TPath - The path called: one of `RouterPath<TWorkerRouter>`, the paths the workers serve
   *   (the compiler checks it, and editors complete it).
   * @param path - The procedure's dotted path.
   * @param args - The input (left out for a procedure without one), then
   *   {@link CallOptions} (`timeout` defaults to the rpc object's, 30 000 ms unless set).
   * @returns The procedure's result: its output schema's output type, or what its handler returned.
   * @throws {@link RpcError} (as a rejection), with the code saying why:
   *   `BAD_REQUEST` (input failed the schema), `NOT_FOUND`, `INTERNAL_ERROR` (the handler threw),
   *   `OUTPUT_INVALID`, `TIMEOUT`, `ABORTED`, `DISCONNECTED` (the worker is not alive, or died),
   *   `PAYLOAD_TOO_LARGE`, `SHUTTING_DOWN`, `UNSERIALIZABLE`, or a code the handler chose.
   *
   * @example
   * ```ts
   * import cluster from 'node:cluster';
   * import { RpcError } from 'cluster-rpc';
   * import { rpc } from './rpc.js';
   *
   * const worker = cluster.fork();
   * try {
   *   const stats = await rpc.primary.call(worker, 'stats', undefined, { timeout: 2000 });
   *   console.log(stats.pid, stats.requestId);
   * } catch (error) {
   *   if (error instanceof RpcError && error.code === 'DISCONNECTED') console.log('worker died first');
   *   else throw error;
   * }
   * ```
   */
  call<TPath extends RouterPath<TWorkerRouter>>(
    worker: Worker | number,
    path: TPath,
    ...args: CallArgs<RouterInput<TWorkerRouter, TPath>>
  ): Promise<RouterOutput<TWorkerRouter, TPath>>;

  /**
   * Calls a procedure on every worker alive now, including those still
   * starting, and settles per worker: one worker failing, dying or timing out
   * does not fail the others. It does not reject: each failure is an entry
   * whose `error` carries one of the codes {@link PrimaryRpc.call} can reject with.
   *
   * @typeParam TPath - The path called: one of `RouterPath<TWorkerRouter>`, the paths the workers serve
   *   (the compiler checks it, and editors complete it).
   * @param path - The procedure's dotted path.
   * @param args - The input (left out for a procedure without one), then
   *   {@link CallOptions}, applied to each worker's call.
   * @returns One {@link CallAllResult} per worker, ordered by worker id; empty without workers.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const all = await rpc.primary.callAll('stats', undefined, { timeout: 1000 });
   * for (const entry of all) {
   *   if (entry.status === 'fulfilled') console.log(entry.workerId, entry.value.pid);
   *   else console.log(entry.workerId, entry.error.code);
   * }
   * ```
   */
  callAll<TPath extends RouterPath<TWorkerRouter>>(
    path: TPath,
    ...args: CallArgs<RouterInput<TWorkerRouter, TPath>>
  ): Promise<Array<CallAllResult<RouterOutput<TWorkerRouter, TPath>>>>;

  /**
   * Sends an event to every worker alive now. The payload is validated first;
   * an invalid one rejects with `BAD_REQUEST` and nothing is sent. Workers still
   * starting receive it once ready (waiting at most the default timeout); a
   * worker that dies meanwhile is simply not counted.
   *
   * @typeParam TName - The event: one of `EventName<TEvents>`.
   * @param name - The event's name.
   * @param args - The payload: the schema's input type (left out for an event whose schema accepts `undefined`).
   * @returns How many workers it was handed to.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST` (the payload failed its schema),
   *   `UNSERIALIZABLE`, `PAYLOAD_TOO_LARGE`, or `SHUTTING_DOWN` (the rpc object is closed).
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const delivered = await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' });
   * ```
   */
  broadcast<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<number>;

  /**
   * Listens to an event sent by workers (`rpc.worker.emit` or
   * `rpc.worker.broadcast`). Payloads that fail the schema on arrival are
   * dropped, never handed to listeners. A listener that throws or rejects is
   * reported to `onListenerError` and does not stop the others.
   *
   * @typeParam TName - The event: one of `EventName<TEvents>`.
   * @param name - The event's name.
   * @param listener - Receives the validated payload (the schema's output type) and who sent it.
   *   What it returns is ignored, except that a promise it returns is watched for rejection.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const off = rpc.primary.on('requestServed', (payload, meta) => {
   *   console.log(`worker ${meta.workerId} served ${payload.path} in ${payload.ms} ms`);
   * });
   * off();
   * ```
   */
  on<TName extends EventName<TEvents>>(
    name: TName,
    listener: (payload: EventPayload<TEvents, TName>, meta: PrimaryEventMeta) => unknown,
  ): () => void;
}

/** The primary side, running. @internal */
export type PrimarySide = RunningSide<PrimaryRpc<AnyRouter, unknown>>;

/** Starts serving and listening in the primary. @internal */
export function startPrimarySide(config: SideConfig): PrimarySide {
  const connections = new Map<number, Connection>();
  const hub = new EventHub<PrimaryEventMeta>(config.events, config.onListenerError);

  const endpoint = new Endpoint({
    procedures: config.procedures,
    self: 'primary',
    defaultTimeoutMs: config.defaultTimeoutMs,
    maxPayloadBytes: config.maxPayloadBytes,
    onEvent(conn, envelope) {
      if (conn.info.side !== 'worker') return;
      const meta: PrimaryEventMeta = { workerId: conn.info.workerId, pid: conn.info.pid };
      switch (envelope[0]) {
        case 'emit':
          return hub.receive(envelope[1], envelope[2], meta);
        case 'bcast': {
          const [, name, payload] = envelope;
          const relayed = event(name, meta.workerId, meta.pid, payload);
          return hub.receive(name, payload, meta, () => void sendToAll(relayed, conn));
        }
        case 'event':
          return; // only the primary sends these
      }
    },
  });

  const connect = (worker: Worker): Connection => {
    const existing = connections.get(worker.id);
    if (existing) return existing;
    const conn = new Connection(linkToWorker(worker), worker.id, { side: 'worker', workerId: worker.id, pid: pidOf(worker) });
    connections.set(worker.id, conn);
    return conn;
  };
  /** Every worker alive now, connected: Node emits 'fork' a tick after `cluster.fork()` returns. */
  const liveConnections = (): Connection[] => currentWorkers().map(connect);

  const detach = listenToWorkers({
    // The worker's code is not running yet: it will say hello when its rpc object exists.
    fork: (worker) => void connect(worker),
    message: (worker, message) => {
      const conn = connections.get(worker.id);
      if (conn) endpoint.receive(conn, message);
    },
    gone: (worker, why) => {
      const conn = connections.get(worker.id);
      if (!conn) return;
      connections.delete(worker.id);
      endpoint.connectionGone(conn, why);
    },
  });
  // Workers forked before this rpc object existed may already listen: greet them.
  for (const worker of currentWorkers()) {
    if (worker.isConnected()) endpoint.greet(connect(worker));
  }

  const connectionFor = (worker: Worker | number): Connection | undefined => {
    const id = typeof worker === 'number' ? worker : worker?.id;
    const known = connections.get(id);
    if (known) return known;
    const live = findWorker(id);
    return live ? connect(live) : undefined;
  };

  /** Sends to every reachable worker but `except`; resolves with how many it was handed to. */
  const sendToAll = (envelope: Envelope, except?: Connection): Promise<number> => {
    let sent = 0;
    const waiting: Array<Promise<DeliveryOutcome>> = [];
    for (const conn of liveConnections()) {
      if (conn === except) continue;
      const outcome = conn.sendWhenReady(envelope, config.defaultTimeoutMs);
      if (outcome instanceof Promise) waiting.push(outcome);
      else if (outcome === 'sent') sent++;
    }
    if (waiting.length === 0) return Promise.resolve(sent);
    return Promise.all(waiting).then((outcomes) => sent + outcomes.filter((outcome) => outcome === 'sent').length);
  };

  const api: PrimaryRpc<AnyRouter, unknown> = {
    call(worker: Worker | number, path: string, input?: unknown, options?: Parameters<typeof endpoint.call>[4]) {
      const conn = connectionFor(worker);
      const target = typeof worker === 'number' ? worker : (worker?.id ?? -1);
      return endpoint.call(conn, target, path, input, options) as never;
    },
    async callAll(path: string, input?: unknown, options?: Parameters<typeof endpoint.call>[4]) {
      const targets = liveConnections();
      // One input, encoded once for every worker.
      const encoded = encodePayload(input, 'input', config.maxPayloadBytes);
      return Promise.all(
        targets.map((conn) =>
          endpoint.call(conn, conn.target, path, input, options, encoded).then(
            (value) => ({ workerId: Number(conn.target), status: 'fulfilled' as const, value }),
            (error: unknown) => ({
              workerId: Number(conn.target),
              status: 'rejected' as const,
              error: toRpcError(error, conn.site(path)),
            }),
          ),
        ),
      ) as never;
    },
    broadcast(name: string, payload?: unknown) {
      try {
        if (!endpoint.accepting) {
          throw new RpcError('SHUTTING_DOWN', `Cannot broadcast '${name}': the rpc object on the primary is closed`);
        }
        const encoded = hub.encode(name, payload, config.maxPayloadBytes);
        if (encoded instanceof Promise) return encoded.then((settled) => sendToAll(event(name, 0, process.pid, settled)));
        return sendToAll(event(name, 0, process.pid, encoded));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    on(name: string, listener: (payload: never, meta: PrimaryEventMeta) => void) {
      return hub.on(name, listener as (payload: unknown, meta: PrimaryEventMeta) => void);
    },
  } as PrimaryRpc<AnyRouter, unknown>;

  return {
    api,
    close: (options) =>
      endpoint.close(
        () => [...connections.values()],
        () => {
          detach();
          hub.clear();
        },
        options,
      ),
    pendingCount: () => [...connections.values()].reduce((sum, conn) => sum + conn.pending.size + conn.serving.size, 0),
  };
}
