/** Span names and attributes after OpenTelemetry's semantic conventions v1.44.0 (RPC and messaging spans). @module */
import type { Attributes } from '@opentelemetry/api';
import type { TracedEvent, TracedRequest } from '../engine/tracing.js';

/** `rpc.system`, `rpc.system.name` and `messaging.system`. */
export const SYSTEM = 'cluster-rpc';

/** `rpc.method` of a path the serving side has no procedure for: a caller cannot grow the set of span names. */
const OTHER_METHOD = '_OTHER';

/** Codes a server span does not count as its own failure (the caller's doing), as gRPC's conventions do. */
const CALLER_FAULTS: ReadonlySet<string> = new Set(['BAD_REQUEST', 'NOT_FOUND', 'ABORTED', 'DISCONNECTED']);

export function isServerFailure(code: string): boolean {
  return !CALLER_FAULTS.has(code);
}

/** A call's or stream's span name: the procedure's path, or the system's name for a path the server does not know. */
export function rpcSpanName(request: TracedRequest): string {
  return request.known ? request.path : SYSTEM;
}

/** The attributes a call's or stream's span starts with, in the caller and in the callee. */
export function rpcAttributes(request: TracedRequest): Attributes {
  const attributes: Attributes = {
    'rpc.system': SYSTEM,
    'rpc.system.name': SYSTEM,
    'rpc.method': request.known ? request.path : OTHER_METHOD,
    'cluster_rpc.peer.side': request.peer === 'primary' ? 'primary' : 'worker',
  };
  if (!request.known) attributes['rpc.method_original'] = request.path;
  if (request.peer !== 'primary') attributes['cluster_rpc.peer.worker_id'] = request.peer;
  return attributes;
}

/** An event's span name: `emit name`, `broadcast name` or `process name`. */
export function eventSpanName(event: TracedEvent): string {
  return `${event.operation === 'receive' ? 'process' : event.operation} ${event.name}`;
}

/** The attributes of an event's producer or consumer span. */
export function eventAttributes(event: TracedEvent): Attributes {
  const receiving = event.operation === 'receive';
  return {
    'messaging.system': SYSTEM,
    'messaging.operation.name': receiving ? 'process' : event.operation,
    'messaging.operation.type': receiving ? 'process' : 'send',
    'messaging.destination.name': event.name,
  };
}
