/**
 * Tracing for the example, on with `TRACING=1`: an OpenTelemetry SDK in each
 * process (the primary and every worker load this through shared.ts) that
 * prints one line per finished span, so a request can be followed from the
 * worker's HTTP span into the primary's rpc span. Only traces that start at
 * an HTTP request are kept: the status line's metrics gathers and the
 * readiness checks are calls too, and would fill the terminal every 2 s.
 * An application would register `@opentelemetry/sdk-node` with an exporter to
 * its collector instead.
 */
import { context, propagation, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Tracing } from '../../src/types.js';

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];

/** One line per span: its trace, its id and its parent's, kind, name, process and duration. */
function printSpan(span: ReadableSpan): void {
  const { traceId, spanId } = span.spanContext();
  const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
  const error = span.attributes['error.type'] ? ` error.type=${String(span.attributes['error.type'])}` : '';
  console.log(
    `[trace ${traceId.slice(0, 8)}] ${spanId} <- ${span.parentSpanContext?.spanId ?? 'root            '} ` +
      `${KINDS[span.kind]?.padEnd(8)} ${span.name.padEnd(16)} pid ${process.pid} ${ms.toFixed(2)} ms${error}`,
  );
}

/** Registers this process's SDK (loaded only now) and returns cluster-rpc's tracer for createClusterRpc. */
export async function startTracing(): Promise<Tracing> {
  const [{ AsyncLocalStorageContextManager }, { ExportResultCode, W3CTraceContextPropagator }, sdk, { otelTracing }] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/sdk-trace-base'),
      import('../../src/otel.js'),
    ]);
  const { BasicTracerProvider, ParentBasedSampler, SamplingDecision, SimpleSpanProcessor } = sdk;
  const exporter = {
    export(spans: ReadableSpan[], done: (result: { code: number }) => void) {
      for (const span of spans) printSpan(span);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
  const sampler = new ParentBasedSampler({
    // A trace starts only at an HTTP request (the SERVER span worker.ts starts); children follow their parent.
    root: {
      shouldSample: (_context, _traceId, _name, kind) => ({
        decision: kind === SpanKind.SERVER ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
      }),
      toString: () => 'HttpRequestsOnly',
    },
  });
  trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return otelTracing();
}

/**
 * Runs `handle` as the HTTP request's SERVER span (continuing a `traceparent`
 * the client sent, if any), active while it runs: the rpc calls it makes are
 * its children. Without tracing the API does nothing.
 */
export function inRequestSpan<T>(
  method: string,
  route: string,
  headers: Record<string, string | string[] | undefined>,
  handle: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), headers);
  const attributes = { 'http.request.method': method, 'http.route': route };
  return trace
    .getTracer('http-cluster')
    .startActiveSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent, handle);
}
