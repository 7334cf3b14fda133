/**
 * Type helpers for code that wraps calls or works with any router or schema, and the tracing seam ({@link Tracing});
 * the everyday ones ({@link cluster-rpc!RouterPath}, {@link cluster-rpc!RouterInput}…) are in the root entry.
 * ```ts
 * import type { CallArgs, EventInput, Schema } from 'cluster-rpc/types';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/types
 */
export type { EventSchemas } from './define/events.js';
export type {
  AnyRouter,
  CallPath,
  EventInput,
  EventName,
  ProceduresOf,
  StreamPath,
} from './define/inference.js';
export type { MiddlewareNext, MiddlewareResult } from './define/middleware.js';
export type {
  AnyProcedure,
  HandlerArgs,
  ProcedureKind,
  StreamProcedure,
} from './define/procedure.js';
export type { FlattenShape, ProcedureMap, RouterShape } from './define/router.js';
export type { Schema, SchemaInput, SchemaOutput } from './define/schema.js';
export type { CallParent } from './engine/call-options.js';
export type { ErrorSite } from './engine/error-report.js';
export type { IncomingSpan, OutgoingSpan, TracedEvent, TracedRequest, TraceSpan, Tracing } from './engine/tracing.js';
export type {
  CallCounts,
  EventCounts,
  InFlight,
  LatencyCounts,
  MetricAggregator,
  MetricSample,
  MetricsRequest,
  MetricsTotals,
  MissingWorker,
  OpenStreams,
  ProcessMetrics,
  StreamCounts,
  WorkerLifecycle,
} from './metrics/types.js';
export type { CallArgs, EventArgs, StreamArgs } from './sides/call-args.js';
export type { ClusterRpcSide } from './sides/create-cluster-rpc.js';
export type { PrimaryEventMeta } from './sides/primary.js';
export type { WorkerEventMeta } from './sides/worker.js';
export type { RpcErrorOptions, RpcIssue } from './wire/errors.js';
