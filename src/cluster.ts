/**
 * The fork-per-CPU process manager: {@link createClusterManager} in the primary, {@link serveWorker} in each worker.
 * ```ts
 * import { createClusterManager, serveWorker } from 'cluster-rpc/cluster';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/cluster
 */
export {
  type ClusterManager,
  type ClusterManagerState,
  type ClusterManagerStats,
  createClusterManager,
  type ShutdownOptions,
} from './cluster/manager.js';
export type { ClusterManagerEvents, CrashLoopInfo } from './cluster/manager-events.js';
export type {
  ClusterLogger,
  ClusterManagerOptions,
  ClusterManagerSignals,
  DrainableRpc,
  RespawnOptions,
  SchedulingPolicy,
} from './cluster/options.js';
export type { RestartResult } from './cluster/rolling-restart.js';
export {
  type DrainResult,
  type ServedWorker,
  type ServeWorkerOptions,
  serveWorker,
} from './cluster/serve-worker.js';
export type { ShutdownResult } from './cluster/shutdown.js';
export type { WorkerExit } from './cluster/tracked-worker.js';
