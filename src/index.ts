/**
 * Typed, validated RPC and events between a Node.js cluster primary and its
 * workers, over the IPC channel they already share. This entry holds what most
 * programs import; the README is the guide.
 *
 * Other entries: `cluster-rpc/cluster` (the process manager) and
 * `cluster-rpc/types` (type helpers for wrappers).
 *
 * @packageDocumentation
 * @module cluster-rpc
 */
export type { CallOptions } from './call.js';
export {
  type ClusterRpc,
  type ClusterRpcOptions,
  type ClusterRpcSide,
  createClusterRpc,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_TIMEOUT_MS,
} from './create-cluster-rpc.js';
export type { CloseOptions } from './endpoint.js';
export { RPC_ERROR_CODES, RpcError, type RpcErrorCode, type RpcErrorOptions, type RpcIssue } from './errors.js';
export { defineEvents, type Events } from './events.js';
export type {
  EmptyRouter,
  EventName,
  EventPayload,
  NoEvents,
  RouterInput,
  RouterOutput,
  RouterPath,
  StreamPath,
} from './inference.js';
export {
  type ClusterMetrics,
  DEFAULT_METRICS_TIMEOUT_MS,
  LATENCY_BUCKETS_SECONDS,
  type MetricFamily,
  type MetricSample,
  type MetricsOptions,
  type MetricsRequest,
  type MetricsSource,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/types.js';
export type { MiddlewareArgs, MiddlewareNext, MiddlewareResult } from './middleware.js';
export type { CallAllResult, PrimaryEventMeta, PrimaryRpc, WorkerInfo } from './primary.js';
export {
  type AnyProcedure,
  type HandlerArgs,
  type PeerInfo,
  type Procedure,
  type ProcedureBuilder,
  type ProcedureContext,
  type ProcedureKind,
  procedure,
  type StreamProcedure,
  type Unset,
} from './procedure.js';
export { defineRouter, type Router } from './router.js';
export { DEFAULT_HIGH_WATER_MARK, type RpcStream, type StreamOptions } from './stream-call.js';
export type { WorkerEventMeta, WorkerRpc } from './worker.js';
