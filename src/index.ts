/**
 * Typed, validated remote procedure calls and events between a Node.js
 * cluster primary and its workers, over the IPC channel they already share.
 *
 * @packageDocumentation
 */
export type { CallOptions } from './call.js';
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
