/**
 * Typed, validated RPC and events between a Node.js cluster primary and its workers, over the IPC channel they
 * already share. This entry holds what most programs import; the README is the guide.
 * Other entries: `cluster-rpc/cluster` (the process manager) and `cluster-rpc/types` (type helpers for wrappers).
 * @packageDocumentation
 * @module cluster-rpc
 */
// Defining procedures, routers and events
export type { ProcedureContext } from './define/context.js';
export { defineEvents, type Events } from './define/events.js';
export type {
  EmptyRouter,
  EventName,
  EventPayload,
  NoEvents,
  RouterInput,
  RouterOutput,
  RouterPath,
  StreamPath,
} from './define/inference.js';
export type { MiddlewareArgs, MiddlewareNext, MiddlewareResult } from './define/middleware.js';
export {
  type AnyProcedure,
  type HandlerArgs,
  type Procedure,
  type ProcedureBuilder,
  type ProcedureKind,
  procedure,
  type StreamProcedure,
  type Unset,
} from './define/procedure.js';
export { defineRouter, type Router } from './define/router.js';
// Calling, streaming and listening
export type { CallOptions, CallParent, EventOptions } from './engine/call-options.js';
export type { CloseOptions } from './engine/engine.js';
export type { ErrorSite } from './engine/error-report.js';
export { DEFAULT_HIGH_WATER_MARK, type RpcStream, type StreamOptions } from './engine/read-stream.js';
// Metrics
export {
  type ClusterMetrics,
  DEFAULT_METRICS_TIMEOUT_MS,
  LATENCY_BUCKETS_SECONDS,
  type MetricAggregator,
  type MetricFamily,
  type MetricSample,
  type MetricsOptions,
  type MetricsRequest,
  type MetricsSource,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/types.js';
export { type ClusterRpc, type ClusterRpcSide, createClusterRpc } from './sides/create-cluster-rpc.js';
export { type ClusterRpcOptions, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_TIMEOUT_MS } from './sides/options.js';
export type { CallAllResult, PrimaryEventMeta, PrimaryRpc, WorkerChange, WorkerInfo } from './sides/primary.js';
export type { PrimaryChange, WorkerEventMeta, WorkerRpc } from './sides/worker.js';
export type { PeerInfo } from './transports/transport.js';
// Errors
export { RPC_ERROR_CODES, RpcError, type RpcErrorCode, type RpcErrorOptions, type RpcIssue } from './wire/errors.js';
