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

/**
 * The default per-call timeout, in milliseconds (30 s): what calls wait when
 * neither the call nor {@link createClusterRpc} sets `timeout`.
 *
 * @example
 * ```ts
 * import { createClusterRpc, DEFAULT_TIMEOUT_MS } from 'cluster-rpc';
 *
 * const rpc = createClusterRpc({ timeout: DEFAULT_TIMEOUT_MS * 2 }); // slow machines: a minute
 * ```
 *
 * @group Call and listen
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The default largest serialised payload, in bytes (16 MiB): what
 * `maxPayloadBytes` is unless {@link createClusterRpc} sets it.
 *
 * @example
 * ```ts
 * import { createClusterRpc, DEFAULT_MAX_PAYLOAD_BYTES } from 'cluster-rpc';
 *
 * const rpc = createClusterRpc({ maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES / 16 }); // 1 MiB
 * ```
 *
 * @group Call and listen
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/**
 * Options of {@link createClusterRpc}. Every one is optional. Pass the same
 * options in the primary and in every worker: each side serves its own router
 * and calls the other's.
 *
 * @typeParam TPrimaryRouter - The router the primary serves.
 * @typeParam TWorkerRouter - The router every worker serves.
 * @typeParam TEvents - The event set.
 *
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * export const rpc = createClusterRpc({
 *   primary: primaryRouter, // served in the primary
 *   worker: workerRouter, // served in every worker
 *   events,
 *   timeout: 10_000, // default 30 000 ms
 *   maxPayloadBytes: 1 << 20, // default 16 MiB
 *   onError: (error, where) => console.error(`${where.kind} ${where.path} failed on the ${where.side}`, error), // default: console.error
 * });
 * ```
 *
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
   * Default per-call timeout in milliseconds, overridable per call; also how
   * long broadcasts and events wait for a peer that is still starting.
   * A positive number, or `Infinity` for none. Default: 30 000
   * ({@link DEFAULT_TIMEOUT_MS}).
   */
  readonly timeout?: number;
  /**
   * The largest serialised payload (input, result, event payload or error
   * data) in bytes, checked before sending: larger ones fail with
   * `PAYLOAD_TOO_LARGE`. A positive integer. Default: 16 MiB
   * ({@link DEFAULT_MAX_PAYLOAD_BYTES}).
   */
  readonly maxPayloadBytes?: number;
  /**
   * Told, in the process where it happened, of every error that a handler (or
   * its middlewares), a stream or a listener (of an event, or of `onWorkers`
   * / `onPrimary`) throws or rejects with, with its own stack: the caller
   * only gets `INTERNAL_ERROR` with the message, and a listener's sender
   * nothing. An `RpcError` thrown by a handler or a stream is an answer for
   * its caller and is not reported; nor is what work stopped by its
   * `ctx.signal` throws once its caller stopped waiting. `where` says which
   * side, what kind of code, which procedure or event, and for whom. A
   * reporter that throws breaks nothing. `false`: report nowhere. Default:
   * the error, stack included, to `console.error`.
   */
  readonly onError?: ((error: unknown, where: ErrorSite) => void) | false;
  /**
   * Told when an event listener throws or rejects, instead of `onError`.
   *
   * @deprecated Use `onError`: `where.kind === 'event'` and `where.path` (the event's name) say the same.
   */
  readonly onListenerError?: (error: unknown, event: string) => void;
  /**
   * How this process reaches the others: Node's cluster IPC unless set
   * (`natsTransport` from `cluster-rpc/nats` reaches across machines).
   */
  readonly transport?: Transport;
  /**
   * Count calls, events and workers in this process, for `rpc.primary.metrics()`
   * to gather: `true`, or {@link MetricsOptions} to gather other registries
   * too (`cluster-rpc/prom-client`). Pass it in every process. Default: off.
   */
  readonly metrics?: boolean | MetricsOptions;
  /**
   * Trace calls, streams and events: `otelTracing()` from `cluster-rpc/otel`
   * (OpenTelemetry), or any {@link cluster-rpc/types!Tracing}. Each call and
   * stream is a client span in the caller and a server span in the callee,
   * each event a producer span and a consumer span per receipt; the context
   * crosses in the headers. Pass it in every process. Default: off (nothing
   * traced, nothing loaded).
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
