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
 *
 * @example
 * ```ts
 * import type { WorkerInfo } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * const byHost = new Map<string, WorkerInfo[]>();
 * for (const worker of rpc.primary.workers()) byHost.set(worker.host, [...(byHost.get(worker.host) ?? []), worker]);
 * ```
 *
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
 * A worker that joined or left, as {@link PrimaryRpc.onWorkers} listeners
 * hear it: `'joined'` once it takes calls, `'left'` once it no longer does,
 * with why. Narrow it on `type`.
 *
 * @example
 * ```ts
 * import type { WorkerChange } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * function describeChange(change: WorkerChange): string {
 *   const { workerId, pid, host } = change.worker;
 *   return change.type === 'joined'
 *     ? `worker ${workerId} (pid ${pid} on ${host}) joined`
 *     : `worker ${workerId} left: ${change.reason}`;
 * }
 * rpc.primary.onWorkers((change) => console.log(describeChange(change)));
 * ```
 *
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
   * @typeParam TPath - The path called: one of `CallPath<TWorkerRouter>`, the call procedures the workers serve
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
  call<TPath extends CallPath<TWorkerRouter>>(
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
   * @typeParam TPath - The path called: one of `CallPath<TWorkerRouter>`, the call procedures the workers serve
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
  callAll<TPath extends CallPath<TWorkerRouter>>(
    path: TPath,
    ...args: CallArgs<RouterInput<TWorkerRouter, TPath>>
  ): Promise<Array<CallAllResult<RouterOutput<TWorkerRouter, TPath>>>>;

  /**
   * Reads a stream procedure of one worker: its items, in order, with flow
   * control (the worker's generator runs at most `highWaterMark` items ahead
   * of the loop). Nothing is sent before the first item is asked for. See
   * {@link RpcStream} for how it ends and {@link StreamOptions} for its options;
   * a stream has no timeout unless given one.
   *
   * @param worker - A cluster `Worker`, or its `id`.
   * @typeParam TPath - The path read: one of `StreamPath<TWorkerRouter>`, the stream procedures the workers serve.
   * @param path - The procedure's dotted path.
   * @param args - The input (left out for a procedure without one), then {@link StreamOptions}.
   * @returns The items: the output schema's output type, or what the generator yields.
   *
   * @example
   * ```ts
   * import cluster from 'node:cluster';
   * import { createClusterRpc, defineRouter, procedure } from 'cluster-rpc';
   *
   * const rpc = createClusterRpc({
   *   worker: defineRouter({
   *     progress: procedure.stream(async function* () {
   *       for (let percent = 0; percent <= 100; percent += 10) yield percent;
   *     }),
   *   }),
   * });
   * const worker = cluster.fork();
   * for await (const percent of rpc.primary.stream(worker, 'progress', undefined, { timeout: 5000 })) {
   *   console.log(`${percent} %`);
   * }
   * ```
   */
  stream<TPath extends StreamPath<TWorkerRouter>>(
    worker: Worker | number,
    path: TPath,
    ...args: StreamArgs<RouterInput<TWorkerRouter, TPath>>
  ): RpcStream<RouterOutput<TWorkerRouter, TPath>>;

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
   * reported to `onError` and does not stop the others.
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

  /**
   * The workers alive now, ordered by id: those still starting included,
   * those that exited, whose channel closed or whose rpc object closed left out.
   *
   * @returns One {@link WorkerInfo} per live worker; empty without workers.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * for (const { workerId, pid, host } of rpc.primary.workers()) console.log(`worker ${workerId}: pid ${pid} on ${host}`);
   * ```
   */
  workers(): readonly WorkerInfo[];

  /**
   * Listens to workers joining and leaving, on every transport: `'joined'`
   * when a worker takes calls (its rpc object answered; from then on it is
   * in {@link PrimaryRpc.workers}), `'left'` when it no longer does, with the
   * reason (killed by a signal, exited with a code, closed its rpc object,
   * silent past the liveness bound…). Each join and each leave is heard
   * exactly once, in order; a listener added later does not hear earlier
   * joins (`workers()` lists them). A listener that throws is reported to
   * `onError` (`kind: 'event'`, `path: 'onWorkers'`) and does not stop the others.
   *
   * @param listener - Receives each {@link WorkerChange}.
   * @returns A function that removes the listener.
   *
   * @example State the primary pushes to every worker that joins, and broadcasts when it changes
   * ```ts
   * import { z } from 'zod';
   * import { createClusterRpc, defineEvents, defineRouter, procedure } from 'cluster-rpc';
   *
   * const config = new Map<string, string>(); // each worker's copy
   * const rpc = createClusterRpc({
   *   worker: defineRouter({
   *     loadConfig: procedure.input(z.record(z.string(), z.string())).handler(({ input }) => {
   *       for (const [key, value] of Object.entries(input)) config.set(key, value);
   *     }),
   *   }),
   *   events: defineEvents({ configChanged: z.object({ key: z.string(), value: z.string() }) }),
   * });
   *
   * if (rpc.side === 'primary') {
   *   const state: Record<string, string> = { mode: 'fast' };
   *   rpc.primary.onWorkers((change) => {
   *     if (change.type === 'joined') void rpc.primary.call(change.worker.workerId, 'loadConfig', state).catch(console.error);
   *     else console.log(`worker ${change.worker.workerId} left: ${change.reason}`);
   *   });
   *   state.mode = 'safe';
   *   await rpc.primary.broadcast('configChanged', { key: 'mode', value: 'safe' }); // the workers there now
   * } else {
   *   rpc.worker.on('configChanged', ({ key, value }) => config.set(key, value));
   * }
   * ```
   */
  onWorkers(listener: (change: WorkerChange) => unknown): () => void;

  /**
   * Gathers the metrics of every process (with `metrics: true` given to
   * `createClusterRpc` in each): the primary's own, and each live worker's,
   * asked for at once and waited for at most `timeout` ms. A worker that
   * does not answer in time is named in `missing` and the rest are returned;
   * its last counts stay in the totals, as do those of workers that exited or
   * were replaced, so counters never go backwards. Gauges (calls in flight)
   * are per process in the data.
   *
   * With `format: 'prometheus'`, the same as Prometheus text format 0.0.4:
   * counters and histograms summed over the cluster, calls in flight summed
   * over the processes that answered, `cluster_rpc_process_up` by worker
   * slot (0 for the workers missing), and the metrics of the `sources` given
   * to `createClusterRpc` merged by each family's `aggregator` (or per
   * worker slot, for a source with `perWorkerLabel`).
   *
   * @param options - `format` and `timeout` (default 1000 ms, {@link DEFAULT_METRICS_TIMEOUT_MS}).
   * @returns The text, served as {@link PROMETHEUS_CONTENT_TYPE}.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST` when metrics are off in the
   *   primary or an option is wrong, `SHUTTING_DOWN` once the rpc object is closed.
   *
   * @example
   * ```ts
   * import http from 'node:http';
   * import { PROMETHEUS_CONTENT_TYPE } from 'cluster-rpc';
   * import { rpc } from './rpc.js';
   *
   * // One scrape of the primary sees the whole cluster.
   * http.createServer(async (_request, response) => {
   *   response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
   *   response.end(await rpc.primary.metrics({ format: 'prometheus', timeout: 2000 }));
   * }).listen(9464, '127.0.0.1');
   * ```
   */
  metrics(options: MetricsRequest & { readonly format: 'prometheus' }): Promise<string>;
  /**
   * Gathers the metrics of every process as data: see the overload above for
   * how workers that do not answer and workers that left are counted.
   *
   * @param options - `timeout` in ms (default 1000, {@link DEFAULT_METRICS_TIMEOUT_MS}); `format: 'object'` or none.
   * @returns Each process that answered, the workers missing, and the cluster's totals.
   * @throws {@link RpcError} (as a rejection), as the overload above.
   *
   * @example
   * ```ts
   * import { rpc } from './rpc.js';
   *
   * const { processes, missing, totals } = await rpc.primary.metrics({ timeout: 500 });
   * const served = totals.calls.filter((entry) => entry.side === 'served').reduce((sum, entry) => sum + entry.calls, 0);
   * console.log(`${served} calls served by ${processes.length} processes; missing: ${missing.map((w) => w.workerId).join(', ') || 'none'}`);
   * ```
   */
  metrics(options?: MetricsRequest): Promise<ClusterMetrics>;
}
