/**
 * Typed, validated RPC and events between a Node.js cluster primary and its workers, over the IPC channel they already
 * share: what most programs import; the README is the guide. See also `cluster-rpc/cluster` and `cluster-rpc/types`.
 * @packageDocumentation
 * @module cluster-rpc
 */
// Defining procedures, routers and events
export type { ProcedureContext } from './define/context.js';
export { defineEvents, type Events } from './define/events.js';
export type { EmptyRouter, EventPayload, NoEvents, RouterInput, RouterOutput, RouterPath } from './define/inference.js';
export type { MiddlewareArgs } from './define/middleware.js';
export { type Procedure, type ProcedureBuilder, procedure, type Unset } from './define/procedure.js';
export { defineRouter, type Router } from './define/router.js';
// Calling, streaming and listening
export type { CallOptions, EventOptions } from './engine/call-options.js';
export type { CloseOptions } from './engine/engine.js';
export type { RpcStream, StreamOptions } from './engine/read-stream.js';
// Metrics
export {
  type ClusterMetrics,
  LATENCY_BUCKETS_SECONDS,
  type MetricFamily,
  type MetricsOptions,
  type MetricsSource,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/types.js';
export { type ClusterRpc, createClusterRpc } from './sides/create-cluster-rpc.js';
export type { ClusterRpcOptions } from './sides/options.js';
export type { CallAllResult, PrimaryRpc, WorkerChange, WorkerInfo } from './sides/primary.js';
export type { PrimaryChange, WorkerRpc } from './sides/worker.js';
export type { PeerInfo } from './transports/transport.js';
// Errors
export { RPC_ERROR_CODES, RpcError, type RpcErrorCode } from './wire/errors.js';
