/**
 * Typed, validated remote procedure calls and events between a Node.js
 * cluster primary and its workers, over the IPC channel they already share.
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
  DEFAULT_CRASH_LOOP_LIMIT,
  DEFAULT_HEALTHY_AFTER_MS,
  DEFAULT_MAX_RESPAWN_DELAY_MS,
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_RESPAWN_DELAY_MS,
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
export { KILL_AFTER_GRACE_MS, type ShutdownResult } from './cluster/shutdown.js';
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
