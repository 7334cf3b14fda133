/** What a worker can do, `rpc.worker`, and who sent the events it hears. @module */
import type {
  AnyRouter,
  CallPath,
  EventInput,
  EventName,
  EventPayload,
  RouterInput,
  RouterOutput,
  StreamPath,
} from '../define/inference.js';
import type { RpcStream } from '../engine/read-stream.js';
import type { PeerInfo } from '../transports/transport.js';
import type { CallArgs, EventArgs, StreamArgs } from './call-args.js';
import type { WorkerInfo } from './primary.js';

/**
 * The primary coming or going, as {@link WorkerRpc.onPrimary} listeners hear
 * it: `'joined'` once this worker has joined a primary that takes its calls,
 * `'left'` once it no longer does, with why. Narrow it on `type`.
 *
 * @example
 * ```ts
 * import type { PrimaryChange } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * let primaryUp = false;
 * function track(change: PrimaryChange): void {
 *   primaryUp = change.type === 'joined';
 *   if (change.type === 'left') console.log(`no primary for now: ${change.reason}`);
 * }
 * rpc.worker.onPrimary(track);
 * ```
 *
 * @group Call and listen
 */
export type PrimaryChange =
  | {
      /** This worker has joined a primary whose rpc object answers; {@link WorkerRpc.self} gives its id there. */
      readonly type: 'joined';
    }
  | {
      /** The primary no longer takes this worker's calls. */
      readonly type: 'left';
      /** Why: `the IPC channel to the primary closed`, `the primary closed its rpc object`, `the primary was silent for 2250 ms`… */
      readonly reason: string;
    };

/**
 * Who sent an event a worker receives: the second argument of its listeners.
 *
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 *
 * rpc.worker.on('configChanged', (change, meta) => {
 *   const from = meta.from.side === 'worker' ? `worker ${meta.from.workerId}` : 'the primary';
 *   console.log(`${change.key} changed by ${from}`);
 * });
 * ```
 *
 * @group Call and listen
 */
export interface WorkerEventMeta {
  /** The primary, or the worker whose `rpc.worker.broadcast` the primary relayed. */
  readonly from: PeerInfo;
  /** The headers sent with the event (`options.headers`), empty when none. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a worker can do: call the procedures the primary serves, send events,
 * and listen to events. Read it as `rpc.worker` (in a worker only: reading it
 * in the primary throws).
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { rpc } from './rpc.js';
 *
 * if (cluster.isWorker) {
 *   rpc.worker.on('flush', () => console.log('flushing'));
 *   const total = await rpc.worker.call('hits.increment', { by: 1 });
 *   await rpc.worker.emit('requestServed', { path: '/', ms: 3 });
 *   console.log(total);
 * }
 * ```
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TEvents - The event set.
 *
 * @group Call and listen
 */
export interface WorkerRpc<TPrimaryRouter extends AnyRouter, TEvents> {
  /**
   * Calls a procedure on the primary. Before the primary's rpc object answers
   * the worker's hello, the call is held (within its timeout), never lost.
   *
   * @typeParam TPath - The path called: one of `CallPath<TPrimaryRouter>`, the call procedures the primary serves
   *   (the compiler checks it, and editors complete it).
   * @param path - The procedure's dotted path.
   * @param args - The input (left out for a procedure without one), then
   *   {@link CallOptions} (`timeout` defaults to the rpc object's, 30 000 ms unless set).
   * @returns The procedure's result: its output schema's output type, or what its handler returned.
   * @throws {@link RpcError} (as a rejection), with the code saying why:
   *   `BAD_REQUEST` (input failed the schema), `NOT_FOUND`, `INTERNAL_ERROR` (the handler threw),
   *   `OUTPUT_INVALID`, `TIMEOUT`, `ABORTED`, `DISCONNECTED` (the channel to the primary closed),
   *   `PAYLOAD_TOO_LARGE`, `SHUTTING_DOWN`, `UNSERIALIZABLE`, or a code the handler chose.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const total = await rpc.worker.call('hits.increment', { by: 1 });
   * const ac = new AbortController();
   * await rpc.worker.call('hits.increment', { by: 1 }, { timeout: 500, signal: ac.signal });
   * ```
   */
  call<TPath extends CallPath<TPrimaryRouter>>(
    path: TPath,
    ...args: CallArgs<RouterInput<TPrimaryRouter, TPath>>
  ): Promise<RouterOutput<TPrimaryRouter, TPath>>;

  /**
   * Reads a stream procedure of the primary: its items, in order, with flow
   * control (the primary's generator runs at most `highWaterMark` items ahead
   * of the loop). Nothing is sent before the first item is asked for; until
   * the primary's rpc object answers the worker's hello, the stream is held,
   * not lost. See {@link RpcStream} for how it ends and {@link StreamOptions}
   * for its options; a stream has no timeout unless given one.
   *
   * @typeParam TPath - The path read: one of `StreamPath<TPrimaryRouter>`, the stream procedures the primary serves.
   * @param path - The procedure's dotted path.
   * @param args - The input (left out for a procedure without one), then {@link StreamOptions}.
   * @returns The items: the output schema's output type, or what the generator yields.
   *
   * @example
   * ```ts
   * import { z } from 'zod';
   * import { createClusterRpc, defineRouter, procedure } from 'cluster-rpc';
   *
   * const rpc = createClusterRpc({
   *   primary: defineRouter({
   *     changes: procedure
   *       .input(z.object({ table: z.string() }))
   *       .output(z.object({ id: z.number(), at: z.date() }))
   *       .stream(async function* ({ input }) {
   *         console.log(`watching ${input.table}`);
   *         yield { id: 1, at: new Date() };
   *       }),
   *   }),
   * });
   * for await (const change of rpc.worker.stream('changes', { table: 'users' })) console.log(change.id, change.at.toISOString());
   * ```
   */
  stream<TPath extends StreamPath<TPrimaryRouter>>(
    path: TPath,
    ...args: StreamArgs<RouterInput<TPrimaryRouter, TPath>>
  ): RpcStream<RouterOutput<TPrimaryRouter, TPath>>;

  /**
   * Listens to an event: the primary's broadcasts, and other workers'
   * broadcasts relayed by the primary. Payloads that fail the schema on
   * arrival are dropped, never handed to listeners. A listener that throws or
   * rejects is reported to `onError` and does not stop the others.
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
   * const off = rpc.worker.on('configChanged', (payload, meta) => {
   *   console.log(payload.key, '=', payload.value, 'from', meta.from.side);
   * });
   * ```
   */
  on<TName extends EventName<TEvents>>(
    name: TName,
    listener: (payload: EventPayload<TEvents, TName>, meta: WorkerEventMeta) => unknown,
  ): () => void;

  /**
   * Sends an event to the primary's listeners. The payload is validated
   * first: an invalid one rejects with `BAD_REQUEST` and nothing is sent.
   *
   * @typeParam TName - The event: one of `EventName<TEvents>`.
   * @param name - The event's name.
   * @param args - The payload: the schema's input type (left out for an event whose schema accepts `undefined`).
   * @returns Resolves once the event is handed to the channel.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST` (the payload failed its schema),
   *   `UNSERIALIZABLE`, `PAYLOAD_TOO_LARGE`, `SHUTTING_DOWN` (either rpc object is closed),
   *   `DISCONNECTED` (the channel is closed) or `TIMEOUT` (the primary's rpc object did not
   *   answer within the default timeout).
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * await rpc.worker.emit('requestServed', { path: '/', ms: 3 });
   * ```
   */
  emit<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<void>;

  /**
   * Sends an event to the primary's listeners and, relayed by the primary, to
   * every other worker (not back to this one). Validated like {@link emit}.
   *
   * @typeParam TName - The event: one of `EventName<TEvents>`.
   * @param name - The event's name.
   * @param args - The payload: the schema's input type (left out for an event whose schema accepts `undefined`).
   * @returns Resolves once the event is handed to the channel.
   * @throws {@link RpcError} (as a rejection), with the codes of {@link emit}.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * await rpc.worker.broadcast('configChanged', { key: 'a', value: 'b' });
   * ```
   */
  broadcast<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<void>;

  /**
   * Listens to the primary coming and going: `'joined'` when this worker has
   * joined a primary whose rpc object answers, `'left'` when it no longer
   * takes calls, with the reason. Over cluster IPC that is one join and, when
   * the primary goes, one leave; over NATS a worker hears `'left'` when its
   * primary dies and `'joined'` when it has joined the next one (with a new
   * id: see {@link WorkerRpc.self}). Each is heard exactly once, in order; a
   * listener added later does not hear an earlier join. A listener that
   * throws is reported to `onError` (`kind: 'event'`, `path: 'onPrimary'`)
   * and does not stop the others.
   *
   * @param listener - Receives each {@link PrimaryChange}.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const off = rpc.worker.onPrimary((change) => {
   *   if (change.type === 'joined') console.log(`serving as worker ${rpc.worker.self()?.workerId}`);
   *   else console.log(`the primary left: ${change.reason}`);
   * });
   * off();
   * ```
   */
  onPrimary(listener: (change: PrimaryChange) => unknown): () => void;

  /**
   * This worker as its primary knows it: `{ workerId, pid, host }`, or
   * `undefined` until it has joined a primary (and, over NATS, between a
   * primary's death and the next one's welcome: the next one gives it a new id).
   *
   * @returns This worker's {@link WorkerInfo}, or `undefined`.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const me = rpc.worker.self();
   * console.log(me ? `worker ${me.workerId} (pid ${me.pid} on ${me.host})` : 'not joined yet');
   * ```
   */
  self(): WorkerInfo | undefined;
}
