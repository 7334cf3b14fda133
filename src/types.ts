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
export type { AnyRouter, CallPath, EventInput, ProceduresOf } from './define/inference.js';
export type { FlattenShape, ProcedureMap, RouterShape } from './define/router.js';
export type { Schema, SchemaInput, SchemaOutput } from './define/schema.js';
export type { IncomingSpan, OutgoingSpan, TracedEvent, TracedRequest, TraceSpan, Tracing } from './engine/tracing.js';
export type {
  CallCounts,
  EventCounts,
  InFlight,
  LatencyCounts,
  MetricsTotals,
  MissingWorker,
  OpenStreams,
  ProcessMetrics,
  StreamCounts,
  WorkerLifecycle,
} from './metrics/types.js';
export type { CallArgs, EventArgs, StreamArgs } from './sides/call-args.js';
