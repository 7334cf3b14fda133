/**
 * Span names and attributes, after OpenTelemetry's semantic conventions
 * v1.44.0: "RPC spans" for calls and streams, "Messaging spans" for events.
 * `rpc.system` is the name the RPC conventions used up to v1.37 and the one
 * cluster-rpc's contract fixes; `rpc.system.name` is its current name, so
 * both are set. `server.address` and `server.port` are left out: a cluster's
 * processes have no network address on IPC (and over NATS the server is a
 * broker, not the process called); `cluster_rpc.peer.*` name the process at
 * the other end instead.
 *
 * @module
 */
import type { Attributes } from '@opentelemetry/api';
import type { TracedEvent, TracedRequest } from '../engine/tracing.js';

/** `rpc.system`, `rpc.system.name` and `messaging.system`. */
export const SYSTEM = 'cluster-rpc';

/** `rpc.method` of a path the serving side has no procedure for: a caller cannot grow the set of span names. */
const OTHER_METHOD = '_OTHER';

/**
 * The codes a server span does not count as its own failure, as gRPC's
 * conventions do for its status codes: the request was malformed or named
 * no procedure, or the caller stopped waiting or went away. The caller's
 * span is an error for every code.
 */
const CALLER_FAULTS: ReadonlySet<string> = new Set(['BAD_REQUEST', 'NOT_FOUND', 'ABORTED', 'DISCONNECTED']);

/** True when a server span that ended with `code` failed. */
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
