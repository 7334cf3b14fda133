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
 * Options of {@link createTestCluster}: those of `createClusterRpc` but `transport`, and how many workers to start.
 * @example
 * ```ts
 * import type { TestClusterOptions } from 'cluster-rpc/testing';
 * import type { primaryRouter, workerRouter } from './routers.js';
 * const options: TestClusterOptions<typeof primaryRouter, typeof workerRouter, never> = { workers: 3, timeout: 1000 };
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
 * The workers of a {@link TestCluster}: as many known entries as asked for (`workers[0]` needs no check), then `fork()`'s.
 * @example
 * ```ts
 * import type { TestClusterWorkers } from 'cluster-rpc/testing';
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
 * @example
 * ```ts
 * import { createTestCluster } from 'cluster-rpc/testing';
 * import { primaryRouter, workerRouter } from './routers.js';
 * const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter });
 * cluster.fork(); // worker id 3
 * cluster.kill(1);
 * console.log(cluster.primary.workers().map((worker) => worker.workerId)); // [2, 3]
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
  /** Starts one more worker, with the next id, and returns its API. */
  fork(): WorkerRpc<TPrimaryRouter, TEvents>;
  /**
   * Worker `workerId` dies as a killed process would: calls to and from it reject with `DISCONNECTED`, their signals abort.
   * @throws `RangeError` when no live worker has that id.
   */
  kill(workerId: number): void;
  /** Closes every side as `rpc.close()` does. */
  close(): Promise<void>;
  /** Calls and streams in flight over every side: 0 when idle. */
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
 * Runs a primary and its workers in this process, with the encoding, validation, errors, timeouts, `ctx` and events of
 * real processes (a `Date` arrives as a copy, a function is `UNSERIALIZABLE`); handlers reach its other side by `rpc.for(ctx)`.
 * @throws `TypeError` for an option out of range.
 * @example
 * ```ts
 * import { createTestCluster } from 'cluster-rpc/testing';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 * const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, events, workers: 3 });
 * await cluster.workers[0].call('hits.increment', { by: 1 }); // worker id 1 calls the primary
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
