/** `createClusterRpc`: checks the options, picks this process's side, and starts serving it. @module */

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
 * One side's API: `primary` in the primary, `worker` in a worker; reading the other side's property throws, naming this side.
 * @example
 * ```ts
 * import type { ClusterRpcSide } from 'cluster-rpc/types';
 * import type { rpc } from './rpc.js';
 * type App = typeof rpc extends ClusterRpcSide<infer P, infer W, infer E> ? [P, W, E] : never;
 * ```
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
 * The rpc object {@link createClusterRpc} returns: this process's side, and how to close it.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * if (rpc.side === 'worker') console.log(await rpc.worker.call('now'));
 * console.log('calls in flight:', rpc.pendingCount());
 * await rpc.close({ grace: 1000 });
 * ```
 * @group Call and listen
 */
export interface ClusterRpc<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
> extends ClusterRpcSide<TPrimaryRouter, TWorkerRouter, TEvents> {
  /**
   * The side serving the call `ctx` belongs to, for a handler that calls the other side: this object's own side, or in a test
   * cluster the member that runs the handler. Pass `{ parent: ctx }` too, so the call ends with the one served.
   * @throws `TypeError` when `ctx` is not a handler's context.
   * @example
   * ```ts
   * import { procedure } from 'cluster-rpc';
   * import { rpc } from './rpc.js';
   * const workersUp = procedure.handler(({ ctx }) => rpc.for(ctx).primary.callAll('stats', undefined, { parent: ctx }));
   * ```
   */
  for(ctx: ProcedureContext): ClusterRpcSide<TPrimaryRouter, TWorkerRouter, TEvents>;
  /**
   * Stops serving and detaches every listener: calls under way in both directions settle with `SHUTTING_DOWN` after
   * the `grace` period, later ones at once, and the peers are told. Idempotent; then a new rpc object may be created.
   */
  close(options?: CloseOptions): Promise<void>;
  /** Calls and streams in flight in this process, both directions: 0 when idle. */
  pendingCount(): number;
}

const OPEN_RPC = Symbol.for('cluster-rpc.open');
type ProcessWithRpc = NodeJS.Process & { [OPEN_RPC]?: boolean };

/** The other side's property throws, naming this one. */
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

/** What {@link ClusterRpc.for} returns. */
function servingSide(ctx: ProcedureContext): ClusterRpcSide<AnyRouter, AnyRouter, NoEvents> {
  const api = (typeof ctx === 'object' && ctx !== null ? (ctx as { [SIDE_API]?: SideApi })[SIDE_API] : undefined) ?? undefined;
  if (!api) throw new TypeError('rpc.for(ctx) needs the ctx a handler received');
  return sideView(api, () => (api.side === 'primary' ? 'the primary' : 'a worker'));
}

/**
 * Creates this process's rpc object and starts serving this side's router: the primary's for every worker, a worker's for the
 * primary. Call it with the same options in every process (one module they all import). Calls made before the other side
 * listens are held within their timeout. One rpc object may be open per process; `close()` it before creating another.
 * @throws `TypeError` for an option out of range, `Error` when an rpc object is already open here.
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { createClusterRpc, defineRouter, procedure } from 'cluster-rpc';
 * const rpc = createClusterRpc({ worker: defineRouter({ pid: procedure.handler(() => process.pid) }) });
 * if (cluster.isPrimary) console.log(await rpc.primary.call(cluster.fork(), 'pid'));
 * ```
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
