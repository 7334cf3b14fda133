/** What the primary can do, `rpc.primary`, and the shapes its methods return. @module */
import type { Worker } from 'node:cluster';
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
import type { RpcStream, StreamOptions } from '../engine/read-stream.js';
import type { ClusterMetrics, MetricsRequest } from '../metrics/types.js';
import type { RpcError } from '../wire/errors.js';
import type { CallArgs, EventArgs, StreamArgs } from './call-args.js';

/**
 * Who sent an event the primary receives: the second argument of its listeners.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * rpc.primary.on('requestServed', ({ ms }, meta) => console.log(`worker ${meta.workerId} (pid ${meta.pid}): ${ms} ms`));
 * ```
 * @group Call and listen
 */
export interface PrimaryEventMeta {
  /** The sending worker's id. */
  readonly workerId: number;
  /** The sending worker's process id. */
  readonly pid: number;
  /** The host name of the sending worker's machine. */
  readonly host: string;
  /** The headers it sent with the event (`options.headers`), empty when none. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A live worker, as {@link PrimaryRpc.workers} lists it.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * for (const { workerId, pid, host } of rpc.primary.workers()) console.log(`worker ${workerId}: pid ${pid} on ${host}`);
 * ```
 * @group Call and listen
 */
export interface WorkerInfo {
  /** The worker's id: what {@link PrimaryRpc.call} takes. */
  readonly workerId: number;
  /** Its process id. */
  readonly pid: number;
  /** The host name of its machine. */
  readonly host: string;
}

/**
 * A worker that joined or left, as {@link PrimaryRpc.onWorkers} listeners hear it. Narrow it on `type`.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * rpc.primary.onWorkers((change) => {
 *   if (change.type === 'left') console.log(`worker ${change.worker.workerId} left: ${change.reason}`);
 * });
 * ```
 * @group Call and listen
 */
export type WorkerChange =
  | {
      /** The worker's rpc object answers: from now on it is in {@link PrimaryRpc.workers}. */
      readonly type: 'joined';
      /** Which worker. */
      readonly worker: WorkerInfo;
    }
  | {
      /** The worker no longer takes calls. */
      readonly type: 'left';
      /** Which worker. */
      readonly worker: WorkerInfo;
      /** Why: `it was killed by SIGKILL`, `it exited with code 1`, `it closed its rpc object`, `it was silent for 2250 ms`… */
      readonly reason: string;
    };

/**
 * One worker's outcome in {@link PrimaryRpc.callAll}: a `Promise.allSettled` entry plus the worker's id. Narrow it on `status`.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * for (const entry of await rpc.primary.callAll('stats')) {
 *   console.log(entry.workerId, entry.status === 'fulfilled' ? entry.value.pid : entry.error.code);
 * }
 * ```
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
 * What the primary can do, as `rpc.primary`: call workers' procedures, send and hear events. Reading it in a worker throws.
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { rpc } from './rpc.js';
 * const worker = cluster.fork();
 * rpc.primary.on('requestServed', ({ path, ms }, { workerId }) => console.log(workerId, path, ms));
 * console.log(await rpc.primary.call(worker, 'stats', undefined, { timeout: 2000 }));
 * await rpc.primary.broadcast('configChanged', { key: 'mode', value: 'fast' });
 * ```
 * @group Call and listen
 */
export interface PrimaryRpc<TWorkerRouter extends AnyRouter, TEvents> {
  /**
   * Calls a procedure on one worker (a cluster `Worker` or its id). A worker still starting is waited for within the
   * timeout; one that is not alive, or dies meanwhile, rejects the call with `DISCONNECTED`.
   * @param args - The input (left out for a procedure without one), then {@link CallOptions}.
   * @throws {@link RpcError} (as a rejection): one of {@link RPC_ERROR_CODES}, or a code the handler chose.
   */
  call<TPath extends CallPath<TWorkerRouter>>(
    worker: Worker | number,
    path: TPath,
    ...args: CallArgs<RouterInput<TWorkerRouter, TPath>>
  ): Promise<RouterOutput<TWorkerRouter, TPath>>;

  /**
   * Calls a procedure on every worker alive now, starting ones included, and settles per worker: it never rejects, a
   * failure is an entry with the error {@link PrimaryRpc.call} would reject with.
   * @returns One {@link CallAllResult} per worker, by worker id; empty without workers.
   */
  callAll<TPath extends CallPath<TWorkerRouter>>(
    path: TPath,
    ...args: CallArgs<RouterInput<TWorkerRouter, TPath>>
  ): Promise<Array<CallAllResult<RouterOutput<TWorkerRouter, TPath>>>>;

  /**
   * Reads a stream procedure of one worker: its items in order, the generator at most `highWaterMark` items ahead of the
   * loop. Nothing is sent before the first `next()`; no timeout unless given one ({@link StreamOptions}).
   */
  stream<TPath extends StreamPath<TWorkerRouter>>(
    worker: Worker | number,
    path: TPath,
    ...args: StreamArgs<RouterInput<TWorkerRouter, TPath>>
  ): RpcStream<RouterOutput<TWorkerRouter, TPath>>;

  /**
   * Sends an event to every worker alive now, its payload checked; starting ones get it once ready, within the default timeout.
   * @returns How many workers it was handed to.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST`, `UNSERIALIZABLE`, `PAYLOAD_TOO_LARGE` or `SHUTTING_DOWN`.
   */
  broadcast<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<number>;

  /**
   * Listens to an event workers send (`emit` or `broadcast`). Payloads that fail the schema on arrival are dropped; a
   * listener that throws or rejects is reported to `onError` and does not stop the others.
   * @returns A function that removes the listener.
   */
  on<TName extends EventName<TEvents>>(
    name: TName,
    listener: (payload: EventPayload<TEvents, TName>, meta: PrimaryEventMeta) => unknown,
  ): () => void;

  /** The workers alive now, by id: starting ones included, those whose process or rpc object closed left out. */
  workers(): readonly WorkerInfo[];

  /**
   * Listens to workers joining (their rpc object answers) and leaving (with why), each once, in order, on any transport;
   * earlier joins are in {@link PrimaryRpc.workers}. A listener that throws goes to `onError` (`path: 'onWorkers'`).
   * @returns A function that removes the listener.
   */
  onWorkers(listener: (change: WorkerChange) => unknown): () => void;

  /**
   * Gathers every process's metrics (`metrics: true` in each) as Prometheus text format 0.0.4: counters summed over the
   * cluster, including those of workers gone or missing, and the `sources`' families merged by their `aggregator`. A worker
   * that does not answer within `timeout` ms is left out, and `cluster_rpc_process_up` is 0 for its slot.
   * @returns The text, to serve as {@link PROMETHEUS_CONTENT_TYPE}.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST` (metrics off, a wrong option), `SHUTTING_DOWN` (closed).
   */
  metrics(options: MetricsRequest & { readonly format: 'prometheus' }): Promise<string>;
  /**
   * Gathers every process's metrics as data: each process that answered, the workers that did not
   * ({@link ClusterMetrics.missing}), and totals that never go backwards. Throws as the overload above.
   */
  metrics(options?: MetricsRequest): Promise<ClusterMetrics>;
}
