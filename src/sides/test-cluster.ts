/** `createTestCluster`: a primary and its workers in one process, over the in-process transport. @module */

import type { EventSchemas, Events } from '../define/events.js';
import type { AnyRouter, EmptyRouter, NoEvents } from '../define/inference.js';
import { InProcessNetwork } from '../transports/in-process.js';
import { type ClusterRpcOptions, checkOptions } from './options.js';
import type { PrimaryRpc } from './primary.js';
import { type PrimarySide, startPrimarySide } from './primary-side.js';
import type { WorkerRpc } from './worker.js';
import { startWorkerSide, type WorkerSide } from './worker-side.js';

/**
 * Options of {@link createTestCluster}: those of `createClusterRpc` (but
 * `transport`), plus how many workers to start.
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TWorkerRouter - The router every worker serves.
 * @typeParam TEvents - The event set.
 * @typeParam TCount - How many workers to start.
 *
 * @example
 * ```ts
 * import { createTestCluster, type TestClusterOptions } from 'cluster-rpc/testing';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * const options: TestClusterOptions<typeof primaryRouter, typeof workerRouter, typeof events> = {
 *   primary: primaryRouter,
 *   worker: workerRouter,
 *   events,
 *   workers: 3,
 *   timeout: 1000,
 * };
 * const cluster = createTestCluster(options);
 * ```
 */
export interface TestClusterOptions<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
  TCount extends number = number,
> extends Omit<ClusterRpcOptions<TPrimaryRouter, TWorkerRouter, TEvents>, 'transport'> {
  /** How many workers to start, with ids 1 to `workers`. A non-negative integer; default 2. */
  readonly workers?: TCount;
}

/**
 * The workers of a {@link TestCluster}: as many known entries as were asked
 * for (so `workers[0]` needs no check), then those that `fork()` added.
 *
 * @typeParam TWorker - A worker's API.
 * @typeParam TCount - How many workers the cluster started with.
 *
 * @example
 * ```ts
 * import type { TestClusterWorkers } from 'cluster-rpc/testing';
 *
 * type Three = TestClusterWorkers<{ id: number }, 3>; // readonly [{ id: number }, { id: number }, { id: number }, ...{ id: number }[]]
 * ```
 */
export type TestClusterWorkers<TWorker, TCount extends number> = number extends TCount
  ? readonly TWorker[]
  : readonly [...KnownWorkers<TWorker, TCount>, ...TWorker[]];

type KnownWorkers<TWorker, TCount extends number, TKnown extends readonly TWorker[] = []> = TKnown['length'] extends TCount
  ? TKnown
  : TKnown['length'] extends 64
    ? TKnown
    : KnownWorkers<TWorker, TCount, readonly [...TKnown, TWorker]>;

/**
 * A primary and its workers running in one process, as {@link createTestCluster} returns them.
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TWorkerRouter - The router every worker serves.
 * @typeParam TEvents - The event set.
 * @typeParam TCount - How many workers it started with.
 *
 * @example
 * ```ts
 * import { createTestCluster } from 'cluster-rpc/testing';
 * import { primaryRouter, workerRouter } from './routers.js';
 *
 * const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, workers: 2 });
 * const third = cluster.fork(); // worker id 3
 * cluster.kill(1);
 * console.log(cluster.primary.workers().map((worker) => worker.workerId)); // [2, 3]
 * await cluster.close();
 * ```
 */
export interface TestCluster<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
  TCount extends number = number,
> {
  /** The primary's API, over every worker of this cluster. */
  readonly primary: PrimaryRpc<TWorkerRouter, TEvents>;
  /** Each worker's API: `workers[i]` is worker id `i + 1`, killed ones included. */
  readonly workers: TestClusterWorkers<WorkerRpc<TPrimaryRouter, TEvents>, TCount>;
  /**
   * Starts one more worker, with the next id.
   *
   * @returns The new worker's API.
   */
  fork(): WorkerRpc<TPrimaryRouter, TEvents>;
  /**
   * Worker `workerId` dies, as a killed process would: calls in flight to it
   * and from it reject with `DISCONNECTED`, the signals of the calls it serves
   * or that it asked for abort, and it stops counting as a worker.
   *
   * @param workerId - The id of a live worker.
   * @throws `RangeError` when no live worker has that id.
   */
  kill(workerId: number): void;
  /**
   * Closes every side as `rpc.close()` does: calls still waiting settle with
   * `SHUTTING_DOWN`.
   *
   * @returns Resolves once every side is closed.
   */
  close(): Promise<void>;
  /**
   * Calls waited on plus calls being served, over every side: 0 when idle.
   *
   * @returns The number of calls in flight in this cluster.
   */
  pendingCount(): number;
}

function checkWorkerCount(value: unknown): number {
  if (value === undefined) return 2;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`createTestCluster: workers must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Runs a primary and `workers` workers in this process, each serving its
 * router through the same encoding, validation, errors, timeouts, `ctx` and
 * events as real processes: a `Date` arrives as an equal copy, a function is
 * `UNSERIALIZABLE`, a wrong input is `BAD_REQUEST`. Several test clusters may
 * exist at once, next to a real rpc object.
 *
 * Handlers that call the other side do it through `rpc.for(ctx)`, which
 * reaches the side of this cluster that serves them.
 *
 * @typeParam TPrimaryRouter - The primary's router, inferred from `options.primary`.
 * @typeParam TWorkerRouter - The workers' router, inferred from `options.worker`.
 * @typeParam TEvents - The event set, inferred from `options.events`.
 * @typeParam TCount - How many workers, inferred from `options.workers`.
 * @param options - The options of `createClusterRpc` and `workers` (default 2).
 * @returns The running {@link TestCluster}.
 * @throws `TypeError` for an option out of range.
 *
 * @example
 * ```ts
 * import { createTestCluster } from 'cluster-rpc/testing';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, events, workers: 3 });
 * await cluster.workers[0].call('hits.increment', { by: 1 }); // worker id 1 calls the primary
 * const stats = await cluster.primary.callAll('stats'); // one entry per worker
 * cluster.kill(2); // calls in flight to worker 2 reject with DISCONNECTED
 * await cluster.close();
 * ```
 */
export function createTestCluster<
  TPrimaryRouter extends AnyRouter = EmptyRouter,
  TWorkerRouter extends AnyRouter = EmptyRouter,
  TEvents extends Events<EventSchemas> = NoEvents,
  const TCount extends number = 2,
>(
  options: TestClusterOptions<TPrimaryRouter, TWorkerRouter, TEvents, TCount> = {},
): TestCluster<TPrimaryRouter, TWorkerRouter, TEvents, TCount> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createTestCluster expects an options object');
  const count = checkWorkerCount(options.workers);
  const shared = options as ClusterRpcOptions<AnyRouter, AnyRouter, Events<EventSchemas>>;
  const primarySettings = checkOptions(shared, 'primary');
  const workerSettings = checkOptions(shared, 'worker');
  const network = new InProcessNetwork();
  const primary: PrimarySide = startPrimarySide(primarySettings, network.primaryTransport());
  const workers: WorkerSide[] = [];
  const fork = (): WorkerRpc<TPrimaryRouter, TEvents> => {
    const side = startWorkerSide(workerSettings, network.workerTransport(workers.length + 1));
    workers.push(side);
    return side.api as unknown as WorkerRpc<TPrimaryRouter, TEvents>;
  };
  for (let index = 0; index < count; index++) fork();
  let closing: Promise<void> | undefined;

  return {
    primary: primary.api as unknown as PrimaryRpc<TWorkerRouter, TEvents>,
    get workers() {
      return workers.map((side) => side.api) as unknown as TestClusterWorkers<WorkerRpc<TPrimaryRouter, TEvents>, TCount>;
    },
    fork,
    kill(workerId) {
      if (!network.kill(workerId, 'it was killed by the test cluster')) {
        throw new RangeError(`createTestCluster: no live worker has id ${String(workerId)}`);
      }
    },
    close() {
      closing ??= Promise.all([primary.engine.close(), ...workers.map((side) => side.engine.close())]).then(() => undefined);
      return closing;
    },
    pendingCount: () => workers.reduce((sum, side) => sum + side.engine.pendingCount(), primary.engine.pendingCount()),
  };
}
