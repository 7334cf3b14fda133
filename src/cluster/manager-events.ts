/** The manager's events, and the registry behind `manager.on`: a listener that throws is logged, nothing more. @module */
import type { Address, Worker } from 'node:cluster';
import { messageOf } from '../wire/errors.js';
import type { ClusterLogger } from './options.js';
import type { RestartResult } from './rolling-restart.js';
import type { ShutdownResult } from './shutdown.js';
import type { WorkerExit } from './tracked-worker.js';

/**
 * What the manager says when it stops respawning: the `crashLoop` event.
 * @example
 * ```ts
 * import type { CrashLoopInfo } from 'cluster-rpc/cluster';
 * const describe = (info: CrashLoopInfo) => `slot ${info.slot} crashed ${info.crashes} times`;
 * ```
 * @group Cluster manager
 */
export interface CrashLoopInfo {
  /** The worker slot that kept crashing (0 to `workers - 1`). */
  readonly slot: number;
  /** How many times in a row it crashed. */
  readonly crashes: number;
  /** The last of those crashes. */
  readonly lastExit: WorkerExit;
  /** What the manager logged: the slot, the count, the last exit. */
  readonly message: string;
}

/**
 * Every event of a {@link ClusterManager}, with its listener's signature.
 * @example
 * ```ts
 * import { createClusterManager } from 'cluster-rpc/cluster';
 * createClusterManager().on('ready', (worker, address) => console.log(`worker ${worker.id} listens on ${address?.port}`));
 * ```
 * @group Cluster manager
 */
export interface ClusterManagerEvents {
  /** A worker was forked (at start, as a respawn, or as a rolling replacement). */
  fork: (worker: Worker) => void;
  /** A worker is ready: it listens (`address`, when `readyOn` is `'listening'`) and passed `readyCheck`. */
  ready: (worker: Worker, address: Address | undefined) => void;
  /** A worker exited, expectedly or not. */
  exit: (exit: WorkerExit) => void;
  /** Respawning stopped. With a listener the decision is its own; without one the manager shuts down and exits 1. */
  crashLoop: (info: CrashLoopInfo) => void;
  /** A rolling restart completed. */
  restarted: (result: RestartResult) => void;
  /** The manager stopped: every worker is gone. */
  stopped: (result: ShutdownResult) => void;
}

export class ManagerListeners {
  readonly #byEvent = new Map<keyof ClusterManagerEvents, Set<(...args: never[]) => void>>();

  constructor(private readonly logger: ClusterLogger) {}

  on<TEvent extends keyof ClusterManagerEvents>(event: TEvent, listener: ClusterManagerEvents[TEvent]): () => void {
    if (typeof listener !== 'function') throw new TypeError(`manager.on('${event}'): the listener must be a function`);
    let listeners = this.#byEvent.get(event);
    if (!listeners) {
      listeners = new Set();
      this.#byEvent.set(event, listeners);
    }
    // A wrapper per subscription, as rpc.on does: the same function added twice is called twice and needs two unsubscribes.
    const entry = ((...args: never[]) => (listener as (...values: never[]) => void)(...args)) as (...args: never[]) => void;
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  }

  count(event: keyof ClusterManagerEvents): number {
    return this.#byEvent.get(event)?.size ?? 0;
  }

  emit<TEvent extends keyof ClusterManagerEvents>(event: TEvent, ...args: Parameters<ClusterManagerEvents[TEvent]>): void {
    for (const listener of [...(this.#byEvent.get(event) ?? [])]) {
      try {
        (listener as unknown as (...values: typeof args) => void)(...args);
      } catch (error) {
        this.logger.error(`[cluster] a '${event}' listener threw: ${messageOf(error)}`);
      }
    }
  }
}
