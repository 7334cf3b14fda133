/**
 * Typed, validated remote procedure calls and events between a Node.js
 * `cluster` primary and its workers, over the IPC channel they already share.
 *
 * Both sides serve a **router** of **procedures** that the other side calls by
 * dotted path. Inputs and outputs are checked by zod schemas (or any
 * [Standard Schema](https://standardschema.dev)) and cross the channel with
 * superjson, so `Date`, `Map`, `Set`, `BigInt` and `undefined` arrive as
 * themselves. **Events** are one-way and typed, and the primary can broadcast
 * them to every worker. A wrong path, a missing or wrongly typed input, or a
 * wrong payload does not compile.
 *
 * ```sh
 * npm install cluster-rpc zod
 * ```
 *
 * Node.js 20.19 or later. The package is ESM; CommonJS code can `require()` it.
 *
 * ## 1. Define the routers and events
 *
 * One module, loaded by the primary and by every worker. Each procedure is
 * built by {@link procedure}: an optional `.input(schema)`, an optional
 * `.output(schema)`, then `.handler(fn)`. Routers nest by plain objects.
 *
 * ```ts
 * // routers.ts
 * import { z } from 'zod';
 * import { defineEvents, defineRouter, procedure } from 'cluster-rpc';
 *
 * let hits = 0;
 * export const primaryRouter = defineRouter({
 *   hits: {
 *     increment: procedure
 *       .input(z.object({ by: z.number().int().positive() }))
 *       .output(z.number())
 *       .handler(({ input }) => (hits += input.by)),
 *   },
 *   now: procedure.handler(() => new Date()), // no input
 * });
 *
 * export const workerRouter = defineRouter({
 *   stats: procedure.handler(({ ctx }) => ({
 *     pid: process.pid,
 *     requestId: ctx.requestId,
 *   })),
 * });
 *
 * export const events = defineEvents({
 *   configChanged: z.object({ key: z.string(), value: z.string() }),
 *   requestServed: z.object({ path: z.string(), ms: z.number() }),
 *   flush: z.void(),
 * });
 * ```
 *
 * Callers pass a schema's input type (`z.input`) and handlers receive its
 * output type (`z.output`); without `.output`, callers receive what the handler
 * returns. A handler also gets `ctx` ({@link ProcedureContext}): who called,
 * the request id, the deadline, and an `AbortSignal` that fires when the
 * caller stops waiting. A call a handler makes for the call it serves takes
 * `{ parent: ctx }` ({@link CallOptions}) and then ends with it: at its
 * deadline, or when it is aborted.
 *
 * ## 2. Create the rpc object, in both processes
 *
 * {@link createClusterRpc} takes the same options in the primary and in every
 * worker and starts serving that side's router at once, for workers forked
 * before or after it.
 *
 * ```ts
 * // rpc.ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * export { events, primaryRouter, workerRouter };
 * export const rpc = createClusterRpc({
 *   primary: primaryRouter, // served in the primary, called by workers
 *   worker: workerRouter, // served in every worker, called by the primary
 *   events,
 * });
 * ```
 *
 * In the primary use `rpc.primary` ({@link PrimaryRpc}); in a worker,
 * `rpc.worker` ({@link WorkerRpc}). Reading the other side's property throws.
 *
 * ## 3. Call
 *
 * ```ts
 * import cluster from 'node:cluster';
 * import { rpc } from './rpc.js';
 *
 * if (cluster.isPrimary) {
 *   const worker = cluster.fork();
 *   // stats: { pid: number; requestId: string }
 *   const stats = await rpc.primary.call(worker, 'stats');
 *   // one entry per worker: { workerId, status, value } or { …, error }
 *   const all = await rpc.primary.callAll('stats', undefined, {
 *     timeout: 1000,
 *   });
 *   console.log(stats.pid, all.length);
 * } else {
 *   const total = await rpc.worker.call('hits.increment', { by: 1 });
 *   const at = await rpc.worker.call('now'); // a Date, not a string
 *   console.log(total, at.toISOString());
 * }
 * ```
 *
 * Every failed call rejects with an {@link RpcError} whose `code` says why:
 * `BAD_REQUEST`, `NOT_FOUND`, `TIMEOUT`, `DISCONNECTED` (at once when the peer
 * dies, not at the timeout), … (see {@link RPC_ERROR_CODES}), or a code a
 * handler chose by throwing an `RpcError` itself. Calls take a `timeout`
 * (default 30 s) and an abort `signal` ({@link CallOptions}).
 *
 * ## 4. Broadcast and listen
 *
 * ```ts
 * import cluster from 'node:cluster';
 * import { rpc } from './rpc.js';
 *
 * if (cluster.isPrimary) {
 *   rpc.primary.on('requestServed', ({ path, ms }, { workerId }) => {
 *     console.log(`worker ${workerId} served ${path} in ${ms} ms`);
 *   });
 *   // resolves with the number of workers it reached
 *   const delivered = await rpc.primary.broadcast('configChanged', {
 *     key: 'mode',
 *     value: 'fast',
 *   });
 *   console.log(delivered);
 * } else {
 *   rpc.worker.on('configChanged', ({ key, value }, { from }) => {
 *     console.log(`${key}=${value}, from ${from.side}`);
 *   });
 *   // to the primary's listeners
 *   await rpc.worker.emit('requestServed', { path: '/', ms: 3 });
 *   // to the primary and every other worker
 *   await rpc.worker.broadcast('flush');
 * }
 * ```
 *
 * Payloads are validated before they are sent (an invalid one rejects with
 * `BAD_REQUEST`, nothing is sent) and again on arrival (an invalid one is
 * dropped).
 *
 * ## 5. Run the cluster
 *
 * {@link createClusterManager} forks one worker per CPU, respawns crashed
 * workers with backoff up to a crash-loop limit, restarts them one by one on
 * `SIGHUP` while the port keeps answering, and shuts down gracefully on
 * `SIGTERM`/`SIGINT`. In each worker, {@link serveWorker} turns that signal
 * into a drain: stop accepting, finish requests and rpc calls under way, close
 * the rpc object, exit.
 *
 * ```ts
 * import cluster from 'node:cluster';
 * import http from 'node:http';
 * import { createClusterManager, serveWorker } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * if (cluster.isPrimary) {
 *   // one worker per CPU (os.availableParallelism()) unless `workers` says
 *   await createClusterManager({ rpc }).start();
 * } else {
 *   const server = http.createServer(async (req, res) => {
 *     const total = await rpc.worker.call('hits.increment', { by: 1 });
 *     res.end(`hit ${total}\n`);
 *   });
 *   serveWorker({ server: server.listen(8000, '127.0.0.1'), rpc });
 * }
 * ```
 *
 * Without the manager, close the rpc object yourself when the process stops:
 * `await rpc.close({ grace: 5000 })` lets calls under way finish and fails new
 * ones with `SHUTTING_DOWN`.
 *
 * ## Types
 *
 * {@link RouterPath}, {@link RouterInput}, {@link RouterOutput},
 * {@link EventName} and {@link EventPayload} name a router's paths, inputs and
 * outputs and an event set's payloads, for code that wraps calls.
 *
 * A handler that calls the other side through `rpc` makes its router's type
 * depend on `rpc`, whose type depends on the router: TypeScript then gives up
 * (`'rpc' implicitly has type 'any'`). Give such a handler its return type:
 *
 * ```ts
 * import { z } from 'zod';
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import { rpc } from './rpc.js';
 *
 * export const workerRouter = defineRouter({
 *   stamp: procedure
 *     .input(z.string())
 *     .handler(async ({ input }): Promise<string> => {
 *       const at = await rpc.worker.call('now'); // calls the primary
 *       return `${input} at ${at.toISOString()}`;
 *     }),
 * });
 * ```
 *
 * @packageDocumentation
 */
export type { CallOptions } from './call.js';
export {
  type ClusterManager,
  type ClusterManagerState,
  type ClusterManagerStats,
  createClusterManager,
  type ShutdownOptions,
} from './cluster/manager.js';
export type { ClusterManagerEvents, CrashLoopInfo } from './cluster/manager-events.js';
export {
  type ClosableRpc,
  type ClusterLogger,
  type ClusterManagerOptions,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type RespawnOptions,
  type SchedulingPolicy,
} from './cluster/options.js';
export type { RestartResult } from './cluster/rolling-restart.js';
export {
  type DrainableRpc,
  type DrainResult,
  type ServedWorker,
  type ServeWorkerOptions,
  serveWorker,
} from './cluster/serve-worker.js';
export type { ShutdownResult } from './cluster/shutdown.js';
export type { WorkerExit } from './cluster/tracked-worker.js';
export {
  type ClusterRpc,
  type ClusterRpcOptions,
  createClusterRpc,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_TIMEOUT_MS,
} from './create-cluster-rpc.js';
export type { CloseOptions } from './endpoint.js';
export { RPC_ERROR_CODES, RpcError, type RpcErrorCode, type RpcErrorOptions, type RpcIssue } from './errors.js';
export { defineEvents, type EventSchemas, type Events } from './events.js';
export type {
  AnyRouter,
  CallArgs,
  EmptyRouter,
  EventArgs,
  EventInput,
  EventName,
  EventPayload,
  NoEvents,
  ProceduresOf,
  RouterInput,
  RouterOutput,
  RouterPath,
} from './inference.js';
export type { CallAllResult, PrimaryEventMeta, PrimaryRpc } from './primary.js';
export {
  type AnyProcedure,
  type HandlerArgs,
  type PeerInfo,
  type Procedure,
  type ProcedureBuilder,
  type ProcedureContext,
  procedure,
} from './procedure.js';
export { defineRouter, type FlattenShape, type ProcedureMap, type Router, type RouterShape } from './router.js';
export type { Schema, SchemaInput, SchemaOutput } from './schema.js';
export type { WorkerEventMeta, WorkerRpc } from './worker.js';
