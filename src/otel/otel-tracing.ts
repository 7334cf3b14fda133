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
 * Options of {@link otelTracing}, all optional: by default spans go to what the application registered with OpenTelemetry.
 * @example
 * ```ts
 * import { W3CTraceContextPropagator } from '@opentelemetry/core';
 * import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
 * import type { OtelTracingOptions } from 'cluster-rpc/otel';
 * const options: OtelTracingOptions = { tracerProvider: new BasicTracerProvider(), propagator: new W3CTraceContextPropagator() };
 * ```
 * @group Tracing
 */
export interface OtelTracingOptions {
  /** Where spans go. Default: the global tracer provider, looked up when spans start (an SDK registered later counts). */
  readonly tracerProvider?: TracerProvider;
  /** How the trace context is written into headers and read from them. Default: the global propagator. */
  readonly propagator?: TextMapPropagator;
}

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
   * A span child of the context the headers carry, never of what happens to be active where the frame arrived. An
   * event's consumer span also links to it, as the messaging conventions ask of each message's creation context.
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
 * Traces calls, streams and events with OpenTelemetry: the `tracing` option of `createClusterRpc`, in every process.
 * Until the application registers an SDK, nothing is traced and it costs a check per call. Calls and streams are
 * `CLIENT` and `SERVER` spans, events `PRODUCER` and `CONSUMER` spans, named after the semantic conventions v1.44.0;
 * the context crosses in the headers. Span by span: docs/observability.md, "Tracing".
 * @throws `TypeError` when an option is not what it should be.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { otelTracing } from 'cluster-rpc/otel';
 * // After registering an SDK (e.g. @opentelemetry/sdk-node), the same in every process:
 * export const rpc = createClusterRpc({ tracing: otelTracing() });
 * ```
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
