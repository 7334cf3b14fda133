/**
 * The fork-per-CPU process manager around the rpc layer: {@link createClusterManager}
 * in the primary, {@link serveWorker} in each worker.
 *
 * ```ts
 * import { createClusterManager, serveWorker } from 'cluster-rpc/cluster';
 * ```
 *
 * @packageDocumentation
 * @module cluster-rpc/cluster
 */
export {
  type ClusterManager,
  type ClusterManagerState,
  type ClusterManagerStats,
  createClusterManager,
  type ShutdownOptions,
} from './manager.js';
export type { ClusterManagerEvents, CrashLoopInfo } from './manager-events.js';
export {
  type ClosableRpc,
  type ClusterLogger,
  type ClusterManagerOptions,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type RespawnOptions,
  type SchedulingPolicy,
} from './options.js';
export type { RestartResult } from './rolling-restart.js';
export {
  type DrainableRpc,
  type DrainResult,
  type ServedWorker,
  type ServeWorkerOptions,
  serveWorker,
} from './serve-worker.js';
export type { ShutdownResult } from './shutdown.js';
export type { WorkerExit } from './tracked-worker.js';
