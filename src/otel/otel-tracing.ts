/** `otelTracing()`: the {@link Tracing} seam implemented with `@opentelemetry/api`. @module */
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { IncomingSpan, OutgoingSpan, TracedEvent, TracedRequest, Tracing } from '../engine/tracing.js';
import { eventAttributes, eventSpanName, isServerFailure, rpcAttributes, rpcSpanName, SYSTEM } from './conventions.js';

/**
 * Options of {@link otelTracing}. Every one is optional: by default spans go
 * to what the application registered with OpenTelemetry.
 *
 * @example
 * ```ts
 * import { W3CTraceContextPropagator } from '@opentelemetry/core';
 * import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
 * import { createClusterRpc } from 'cluster-rpc';
 * import { otelTracing, type OtelTracingOptions } from 'cluster-rpc/otel';
 *
 * // Spans of cluster-rpc alone, kept in memory, whatever the process registered globally.
 * const exporter = new InMemorySpanExporter();
 * const options: OtelTracingOptions = {
 *   tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
 *   propagator: new W3CTraceContextPropagator(),
 * };
 * const rpc = createClusterRpc({ tracing: otelTracing(options) });
 * ```
 *
 * @group Tracing
 */
export interface OtelTracingOptions {
  /**
   * Where spans go. Default: the global tracer provider, the one an SDK
   * registers (looked up when spans start, so an SDK registered after
   * `otelTracing()` is used too).
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * How the trace context is written into a call's headers and read from
   * them. Default: the global propagator, which OpenTelemetry's SDKs set to
   * W3C trace context (`traceparent`, `tracestate`) and baggage.
   */
  readonly propagator?: TextMapPropagator;
}

/** The tracer's name: the instrumentation scope of every span. */
const SCOPE = SYSTEM;

/** True when `span` neither records nor has a context to pass on (no SDK registered, no parent). */
function isInert(span: Span): boolean {
  return !span.isRecording() && !isSpanContextValid(span.spanContext());
}

/** Ends `span` with `failure` as its `error.type` and an error status, or with none. */
function endSpan(span: Span, failure: string | undefined, message: string | undefined, failed: boolean): void {
  if (failure !== undefined && failed) {
    span.setAttribute('error.type', failure);
    span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  }
  span.end();
}

/** The span of a call, stream or event this process sends; its context goes out in `headers`. */
class SentSpan implements OutgoingSpan {
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly #span: Span;
  readonly #rpc: boolean;

  constructor(span: Span, rpc: boolean, headers: Record<string, string>) {
    this.#span = span;
    this.#rpc = rpc;
    this.headers = Object.keys(headers).length > 0 ? headers : undefined;
  }

  end(failure?: string, message?: string): void {
    if (this.#rpc) this.#span.setAttribute('rpc.response.status_code', failure ?? 'OK');
    endSpan(this.#span, failure, message, true);
  }
}

/** The span of a call, stream or event this process receives; `run` makes it active. */
class ReceivedSpan implements IncomingSpan {
  readonly #span: Span;
  readonly #context: Context;
  readonly #rpc: boolean;

  constructor(span: Span, parent: Context, rpc: boolean) {
    this.#span = span;
    this.#context = trace.setSpan(parent, span);
    this.#rpc = rpc;
  }

  run<TArgs extends unknown[], TResult>(fn: (...args: TArgs) => TResult, thisArg: unknown, ...args: TArgs): TResult {
    return context.with(this.#context, fn, thisArg, ...args);
  }

  end(failure?: string, message?: string): void {
    if (this.#rpc) this.#span.setAttribute('rpc.response.status_code', failure ?? 'OK');
    endSpan(this.#span, failure, message, failure !== undefined && (!this.#rpc || isServerFailure(failure)));
  }
}

/** The propagator as used here: the one given, or the global one. */
type Propagator = Pick<TextMapPropagator, 'inject' | 'extract'>;

/** The global tracer provider as the API hands it out: a proxy, with the SDK's provider behind it once one is registered. */
interface ProxyProvider extends TracerProvider {
  getDelegateTracer(name: string): Tracer | undefined;
}

class OtelTracing implements Tracing {
  readonly #tracer: Tracer;
  readonly #propagator: Propagator;
  readonly #ownPropagator: boolean;
  /** The global provider while no SDK is behind it: until one is, nothing is traced and nothing else is done. */
  #unregistered: ProxyProvider | undefined;
  #checkedPropagator = false;

  constructor(options: OtelTracingOptions) {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    this.#tracer = provider.getTracer(SCOPE);
    this.#unregistered =
      options.tracerProvider === undefined && typeof (provider as Partial<ProxyProvider>).getDelegateTracer === 'function'
        ? (provider as ProxyProvider)
        : undefined;
    this.#propagator = options.propagator ?? propagation;
    this.#ownPropagator = options.propagator !== undefined;
  }

  startClient(request: TracedRequest): OutgoingSpan | undefined {
    if (this.#unregistered && this.#noSdk()) return undefined;
    return this.#send(rpcSpanName(request), SpanKind.CLIENT, rpcAttributes(request), true);
  }

  startServer(request: TracedRequest, headers: Readonly<Record<string, string>>): IncomingSpan | undefined {
    if (this.#unregistered && this.#noSdk()) return undefined;
    return this.#receive(rpcSpanName(request), SpanKind.SERVER, rpcAttributes(request), headers, true);
  }

  startProducer(event: TracedEvent): OutgoingSpan | undefined {
    if (this.#unregistered && this.#noSdk()) return undefined;
    return this.#send(eventSpanName(event), SpanKind.PRODUCER, eventAttributes(event), false);
  }

  startConsumer(event: TracedEvent, headers: Readonly<Record<string, string>>): IncomingSpan | undefined {
    if (this.#unregistered && this.#noSdk()) return undefined;
    return this.#receive(eventSpanName(event), SpanKind.CONSUMER, eventAttributes(event), headers, false);
  }

  /** True while no SDK is registered; once one is, the question is never asked again. */
  #noSdk(): boolean {
    if (this.#unregistered?.getDelegateTracer(SCOPE) === undefined) return true;
    this.#unregistered = undefined;
    return false;
  }

  /** A span child of the active context, whose context is written into headers for the peer. */
  #send(name: string, kind: SpanKind, attributes: Attributes, rpc: boolean): OutgoingSpan | undefined {
    const parent = context.active();
    const span = this.#tracer.startSpan(name, { kind, attributes }, parent);
    if (isInert(span)) return undefined;
    this.#warnWithoutPropagator();
    const headers: Record<string, string> = {};
    this.#propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
    return new SentSpan(span, rpc, headers);
  }

  /**
   * A span child of the context the headers carry, never of what happens to
   * be active where the frame arrived. An event's consumer span also links
   * to it, as the messaging conventions ask of each message's creation context.
   */
  #receive(
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    headers: Readonly<Record<string, string>>,
    rpc: boolean,
  ): IncomingSpan | undefined {
    const parent = this.#propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const created = rpc ? undefined : trace.getSpanContext(parent);
    const links = created && isSpanContextValid(created) ? [{ context: created }] : undefined;
    const span = this.#tracer.startSpan(name, links ? { kind, attributes, links } : { kind, attributes }, parent);
    if (isInert(span)) return undefined;
    return new ReceivedSpan(span, parent, rpc);
  }

  /** Spans recorded but no way to pass their context on: say so once, where OpenTelemetry's own warnings go. */
  #warnWithoutPropagator(): void {
    if (this.#checkedPropagator) return;
    this.#checkedPropagator = true;
    if (!this.#ownPropagator && propagation.fields().length === 0)
      diag.warn(
        'cluster-rpc: no propagator is registered, so trace context will not cross processes; ' +
          'register one (OpenTelemetry SDKs set W3C trace context) or pass otelTracing({ propagator })',
      );
  }
}

/**
 * Traces calls, streams and events with OpenTelemetry: pass what it
 * returns as the `tracing` option of `createClusterRpc`, in every process.
 * Uses `@opentelemetry/api` (an optional peer dependency, loaded by this
 * entry only) and whatever SDK the application registered; until one is,
 * nothing is traced, no header is added, and it costs a check per call.
 *
 * In the caller each call and stream is a `CLIENT` span (a stream's from its
 * first read until it ends), child of the span active where it is made; in
 * the callee a `SERVER` span, child of that client span, is active while the
 * middlewares and the handler run, so the spans they start and the calls
 * they make belong to the same trace. Each event is a `PRODUCER` span where
 * it is sent and a `CONSUMER` span per process that receives it, child of
 * the producer span and linked to it, active while the listeners run. The
 * context crosses in the headers (W3C `traceparent` and `tracestate` with
 * OpenTelemetry's default propagator), visible in `ctx.headers` and
 * `meta.headers`; they replace headers of the same name given by the caller.
 *
 * Names and attributes follow OpenTelemetry's semantic conventions v1.44.0
 * (RPC and messaging spans): a call's span is named by its procedure's path
 * (`rpc.method`), with `rpc.system` and `rpc.system.name` `cluster-rpc`,
 * `rpc.response.status_code` (`OK` or the `RpcError` code), and
 * `cluster_rpc.peer.side` and `cluster_rpc.peer.worker_id` for the process at
 * the other end. A call that fails sets its client span's status to error
 * and `error.type` to the `RpcError` code; its server span too, unless the
 * code is the caller's doing (`BAD_REQUEST`, `NOT_FOUND`, `ABORTED`,
 * `DISCONNECTED`). A path the callee has no procedure for is named
 * `cluster-rpc` there, with `rpc.method` `_OTHER`. Events are named
 * `emit <event>`, `broadcast <event>` and `process <event>`, with
 * `messaging.system` `cluster-rpc` and `messaging.destination.name` the event.
 *
 * @param options - Where spans go and how the context crosses; see {@link OtelTracingOptions}.
 * @returns The tracer for the `tracing` option.
 * @throws `TypeError` when an option is not what it should be.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * import { createClusterRpc } from 'cluster-rpc';
 * import { otelTracing } from 'cluster-rpc/otel';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * // Register an SDK first (e.g. @opentelemetry/sdk-node); then, the same in every process:
 * export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, tracing: otelTracing() });
 *
 * // A span of the application: the call below is its child, and the primary's server span the call's.
 * await trace.getTracer('shop').startActiveSpan('checkout', async (span) => {
 *   await rpc.worker.call('hits.increment', { by: 1 });
 *   span.end();
 * });
 * ```
 *
 * @group Tracing
 */
export function otelTracing(options: OtelTracingOptions = {}): Tracing {
  if (typeof options !== 'object' || options === null) throw new TypeError('otelTracing: options must be an object');
  const { tracerProvider, propagator } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function')
    throw new TypeError('otelTracing: tracerProvider must be an OpenTelemetry TracerProvider (with getTracer)');
  if (propagator !== undefined && (typeof propagator?.inject !== 'function' || typeof propagator.extract !== 'function'))
    throw new TypeError('otelTracing: propagator must be an OpenTelemetry TextMapPropagator (with inject and extract)');
  return new OtelTracing(options);
}
