/**
 * `createClusterRpc`: checks the options, picks this process's side, and
 * starts serving it.
 *
 * @module
 */

import type { ProcedureContext } from '../define/context.js';
import { SIDE_API, type SideApi } from '../define/context.js';
import type { EventSchemas, Events } from '../define/events.js';
import type { AnyRouter, EmptyRouter, NoEvents } from '../define/inference.js';
import type { CloseOptions } from '../engine/engine.js';
import { clusterIpcTransport } from '../transports/cluster-ipc.js';
import { type ClusterRpcOptions, checkOptions } from './options.js';
import type { PrimaryRpc } from './primary.js';
import { type PrimarySide, startPrimarySide } from './primary-side.js';
import type { WorkerRpc } from './worker.js';
import { startWorkerSide, type WorkerSide } from './worker-side.js';

/**
 * One side's API: `primary` in a primary, `worker` in a worker; reading the
 * other side's property throws at once, with a message saying which side this is.
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TWorkerRouter - The router every worker serves.
 * @typeParam TEvents - The event set.
 *
 * @example
 * ```ts
 * import type { ClusterRpcSide } from 'cluster-rpc';
 * import type { rpc } from './rpc.js';
 *
 * type App = typeof rpc extends ClusterRpcSide<infer P, infer W, infer E> ? [P, W, E] : never;
 * ```
 *
 * @group Call and listen
 */
export interface ClusterRpcSide<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
> {
  /** Which side this is: `'primary'` or `'worker'`. */
  readonly side: 'primary' | 'worker';
  /** The primary's API: call workers, broadcast, listen. Throws when read in a worker. */
  readonly primary: PrimaryRpc<TWorkerRouter, TEvents>;
  /** A worker's API: call the primary, emit, broadcast, listen. Throws when read in the primary. */
  readonly worker: WorkerRpc<TPrimaryRouter, TEvents>;
}

/**
 * The rpc object that {@link createClusterRpc} returns: `primary` in the
 * primary process, `worker` in a worker. Reading the other side's property
 * throws at once, with a message saying which side this process is.
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TWorkerRouter - The router every worker serves.
 * @typeParam TEvents - The event set.
 *
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 *
 * if (rpc.side === 'worker') console.log(await rpc.worker.call('now'));
 * console.log('calls in flight:', rpc.pendingCount());
 * await rpc.close({ grace: 1000 });
 * ```
 *
 * @group Call and listen
 */
export interface ClusterRpc<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
> extends ClusterRpcSide<TPrimaryRouter, TWorkerRouter, TEvents> {
  /**
   * The side that serves the call `ctx` belongs to, for a handler that calls
   * the other side: in production that is this object's own side; in a test
   * cluster (`cluster-rpc/testing`), the primary or worker of that cluster
   * that runs the handler. Handlers written this way work on every transport.
   * Pass `{ parent: ctx }` too, so the call ends with the one being served.
   *
   * @param ctx - The handler's `ctx`.
   * @returns The serving side: its `primary` or `worker` API, typed from this object.
   * @throws `TypeError` when `ctx` is not a handler's context.
   *
   * @example
   * ```ts
   * import { defineRouter, procedure } from 'cluster-rpc';
   * import { rpc } from './rpc.js';
   *
   * export const statusRouter = defineRouter({
   *   liveWorkers: procedure.handler(async ({ ctx }): Promise<number> => {
   *     const results = await rpc.for(ctx).primary.callAll('stats', undefined, { parent: ctx });
   *     return results.filter((result) => result.status === 'fulfilled').length;
   *   }),
   * });
   * ```
   */
  for(ctx: ProcedureContext): ClusterRpcSide<TPrimaryRouter, TWorkerRouter, TEvents>;
  /**
   * Stops serving and detaches every listener this object added. Calls still
   * waiting (in both directions) settle with `SHUTTING_DOWN`, after the
   * optional grace period; later calls fail with `SHUTTING_DOWN` at once.
   * The peers are told, so their calls to this side fail fast too.
   * Calling it again returns the same promise. Once it resolves, a new rpc
   * object may be created in this process.
   *
   * @param options - `grace`: milliseconds to let calls under way finish first (default 0).
   * @returns Resolves when every call is settled and every listener detached.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Calls this side waits on plus calls it is serving: 0 when idle. Useful to
   * check for leaks, or to wait for quiet before a restart.
   *
   * @returns The number of calls in flight in this process, both directions.
   */
  pendingCount(): number;
}

const OPEN_RPC = Symbol.for('cluster-rpc.open');
type ProcessWithRpc = NodeJS.Process & { [OPEN_RPC]?: boolean };

/** A side's API as {@link ClusterRpcSide}: the other side's property throws, naming this one. @internal */
function sideView(api: SideApi, describe: () => string): ClusterRpcSide<AnyRouter, AnyRouter, NoEvents> {
  const wrongSide = (property: 'primary' | 'worker'): never => {
    throw new Error(
      `rpc.${property} is only available in the ${property === 'primary' ? 'primary' : 'workers'}; this process is ${describe()}`,
    );
  };
  return {
    side: api.side,
    get primary() {
      return api.side === 'primary' ? (api.primary as PrimaryRpc<AnyRouter, NoEvents>) : wrongSide('primary');
    },
    get worker() {
      return api.side === 'worker' ? (api.worker as WorkerRpc<AnyRouter, NoEvents>) : wrongSide('worker');
    },
  };
}

/** The side API that serves `ctx`, as {@link ClusterRpc.for} returns it. */
function servingSide(ctx: ProcedureContext): ClusterRpcSide<AnyRouter, AnyRouter, NoEvents> {
  const api = (typeof ctx === 'object' && ctx !== null ? (ctx as { [SIDE_API]?: SideApi })[SIDE_API] : undefined) ?? undefined;
  if (!api) throw new TypeError('rpc.for(ctx) needs the ctx a handler received');
  return sideView(api, () => (api.side === 'primary' ? 'the primary' : 'a worker'));
}

/**
 * Creates the rpc object of this process and starts serving this side's
 * router at once: in the primary for every worker, forked before or after,
 * and in a worker for the primary. Call it with the same options in both
 * (typically in one module that both import).
 *
 * The primary then calls workers through `rpc.primary`, a worker calls the
 * primary through `rpc.worker`; reading the other side's property throws.
 * Calls made before the other side's rpc object exists are held, within their
 * timeout, and delivered once it does.
 *
 * One rpc object may be open per process at a time; `close()` it before
 * creating another.
 *
 * @typeParam TPrimaryRouter - The primary's router, inferred from `options.primary`.
 * @typeParam TWorkerRouter - The workers' router, inferred from `options.worker`.
 * @typeParam TEvents - The event set, inferred from `options.events`.
 * @param options - The routers, the events and the defaults; every one is
 *   optional. See {@link ClusterRpcOptions}.
 * @returns The {@link ClusterRpc} object of this process.
 * @throws `TypeError` for an option out of range (`timeout` not a positive
 *   number, `maxPayloadBytes` not a positive integer), and `Error` when an rpc
 *   object is already open in this process. Calls made through the object
 *   reject with an {@link RpcError} instead; see {@link PrimaryRpc.call}.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { z } from 'zod';
 * import {
 *   createClusterRpc,
 *   defineEvents,
 *   defineRouter,
 *   procedure,
 * } from 'cluster-rpc';
 *
 * let hits = 0;
 * const primaryRouter = defineRouter({
 *   increment: procedure
 *     .input(z.object({ by: z.number() }))
 *     .handler(({ input }) => (hits += input.by)),
 * });
 * const workerRouter = defineRouter({
 *   pid: procedure.handler(() => process.pid),
 * });
 * const events = defineEvents({ flush: z.void() });
 *
 * // The same call in the primary and in every worker:
 * const rpc = createClusterRpc({
 *   primary: primaryRouter,
 *   worker: workerRouter,
 *   events,
 *   timeout: 10_000,
 * });
 *
 * if (cluster.isPrimary) {
 *   const worker = cluster.fork();
 *   console.log(await rpc.primary.call(worker, 'pid')); // number
 *   await rpc.primary.broadcast('flush');
 * } else {
 *   rpc.worker.on('flush', () => console.log('flushing'));
 *   console.log(await rpc.worker.call('increment', { by: 1 })); // number
 * }
 * ```
 *
 * @group Call and listen
 */
export function createClusterRpc<
  TPrimaryRouter extends AnyRouter = EmptyRouter,
  TWorkerRouter extends AnyRouter = EmptyRouter,
  TEvents extends Events<EventSchemas> = NoEvents,
>(options: ClusterRpcOptions<TPrimaryRouter, TWorkerRouter, TEvents> = {}): ClusterRpc<TPrimaryRouter, TWorkerRouter, TEvents> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createClusterRpc expects an options object');
  const host = process as ProcessWithRpc;
  if (host[OPEN_RPC]) {
    throw new Error('createClusterRpc: an rpc object is already open in this process; close() it before creating another');
  }
  const transport = options.transport ?? clusterIpcTransport();
  const side = transport.side;
  const settings = checkOptions(options as ClusterRpcOptions<AnyRouter, AnyRouter, Events<EventSchemas>>, side);
  const running: PrimarySide | WorkerSide =
    side === 'primary' ? startPrimarySide(settings, transport) : startWorkerSide(settings, transport);
  host[OPEN_RPC] = true;
  let closing: Promise<void> | undefined;
  const view = sideView(side === 'primary' ? { side, primary: running.api } : { side, worker: running.api }, () =>
    side === 'primary' ? `the primary (pid ${process.pid})` : `worker ${running.engine.self} (pid ${process.pid})`,
  );

  return {
    side,
    get primary() {
      return view.primary as unknown as PrimaryRpc<TWorkerRouter, TEvents>;
    },
    get worker() {
      return view.worker as unknown as WorkerRpc<TPrimaryRouter, TEvents>;
    },
    for: (ctx) => servingSide(ctx) as unknown as ClusterRpcSide<TPrimaryRouter, TWorkerRouter, TEvents>,
    close(closeOptions) {
      closing ??= running.engine.close(closeOptions).finally(() => {
        host[OPEN_RPC] = false;
      });
      return closing;
    },
    pendingCount: () => running.engine.pendingCount(),
  };
}
