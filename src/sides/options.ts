/** The options of `createClusterRpc`, their defaults, and their checks. @module */
import { type EventSchemas, type Events, schemasOf } from '../define/events.js';
import type { AnyRouter } from '../define/inference.js';
import { proceduresOf } from '../define/router.js';
import { checkTimeout } from '../engine/call-options.js';
import type { RpcSettings } from '../engine/engine.js';
import { type ErrorSite, errorReporter } from '../engine/error-report.js';
import { guardTracing } from '../engine/traced.js';
import type { Tracing } from '../engine/tracing.js';
import { checkMetricsOption } from '../metrics/report.js';
import type { MetricsOptions } from '../metrics/types.js';
import type { Transport } from '../transports/transport.js';

/** The per-call timeout when neither the call nor {@link createClusterRpc} sets one. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The largest serialised payload unless {@link createClusterRpc} sets `maxPayloadBytes`. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * Options of {@link createClusterRpc}, all optional. Pass the same in the primary and in every worker: each side serves
 * its own router and calls the other's.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 * export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, timeout: 10_000 });
 * ```
 * @group Call and listen
 */
export interface ClusterRpcOptions<
  TPrimaryRouter extends AnyRouter,
  TWorkerRouter extends AnyRouter,
  TEvents extends Events<EventSchemas>,
> {
  /** Procedures served in the primary and called by workers. Default: none. */
  readonly primary?: TPrimaryRouter;
  /** Procedures served in every worker and called by the primary. Default: none. */
  readonly worker?: TWorkerRouter;
  /** The events either side may send, from {@link cluster-rpc!defineEvents}. Default: none. */
  readonly events?: TEvents;
  /**
   * Milliseconds a call waits unless it sets its own, and an event waits for a peer still starting; `Infinity` for no
   * limit. Default: 30 000 (30 s).
   */
  readonly timeout?: number;
  /**
   * The largest serialised input, result, payload or error data, in bytes; larger ones fail with `PAYLOAD_TOO_LARGE`
   * before they are sent. Default: 16 MiB.
   */
  readonly maxPayloadBytes?: number;
  /**
   * Hears, in the process where it happened, what a handler, its middlewares, a stream or a listener threw, with its
   * stack (the caller only gets `INTERNAL_ERROR` and the message). An `RpcError` thrown for the caller, and what an
   * aborted handler throws after its caller left, are not reported. `false`: nowhere. Default: `console.error`.
   */
  readonly onError?: ((error: unknown, where: ErrorSite) => void) | false;
  /**
   * Told when an event listener throws or rejects, instead of `onError`.
   * @deprecated Use `onError`: `where.kind === 'event'` and `where.path` (the event's name) say the same.
   */
  readonly onListenerError?: (error: unknown, event: string) => void;
  /** How this process reaches the others. Default: Node's cluster IPC. */
  readonly transport?: Transport;
  /**
   * Count calls, events and workers for `rpc.primary.metrics()`: `true`, or
   * {@link MetricsOptions} to gather other registries too. Pass it in every process. Default: off.
   */
  readonly metrics?: boolean | MetricsOptions;
  /**
   * Trace calls, streams and events: `otelTracing()` from `cluster-rpc/otel`,
   * or any {@link cluster-rpc/types!Tracing}. Pass it in every process. Default: off.
   */
  readonly tracing?: Tracing;
}

function checkMaxPayloadBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`createClusterRpc: maxPayloadBytes must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Checks the options shared by every transport and resolves their defaults. @internal */
export function checkOptions(
  options: ClusterRpcOptions<AnyRouter, AnyRouter, Events<EventSchemas>>,
  side: 'primary' | 'worker',
): RpcSettings {
  return {
    procedures: proceduresOf(side === 'primary' ? options.primary : options.worker),
    events: schemasOf(options.events),
    defaultTimeoutMs:
      options.timeout === undefined ? DEFAULT_TIMEOUT_MS : checkTimeout(options.timeout, 'createClusterRpc: timeout'),
    maxPayloadBytes:
      options.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD_BYTES : checkMaxPayloadBytes(options.maxPayloadBytes),
    reportError: errorReporter(
      checkFunction(options.onError, 'onError', true),
      checkFunction(options.onListenerError, 'onListenerError', false),
    ),
    metrics: checkMetricsOption(options.metrics),
    tracing: checkTracing(options.tracing),
  };
}

const TRACING_METHODS = ['startClient', 'startServer', 'startProducer', 'startConsumer'] as const;

/** The `tracing` option, checked, and guarded so that a tracer that throws cannot break a request. */
function checkTracing(value: unknown): Tracing | undefined {
  if (value === undefined) return undefined;
  const missing = TRACING_METHODS.filter(
    (method) => typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `createClusterRpc: tracing must be what otelTracing() returns (a Tracing), got ${value === null ? 'null' : typeof value} without ${missing.join(', ')}`,
    );
  }
  return guardTracing(value as Tracing);
}

/** An optional function option (or `false`, where allowed), checked. */
function checkFunction<T>(value: T, name: string, falseAllowed: boolean): T {
  if (value === undefined || typeof value === 'function' || (falseAllowed && value === false)) return value;
  throw new TypeError(`createClusterRpc: ${name} must be a function${falseAllowed ? ' or false' : ''}, got ${String(value)}`);
}
