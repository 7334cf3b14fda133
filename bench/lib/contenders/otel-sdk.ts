/**
 * The OpenTelemetry SDK as an application registers it, for the `cluster-rpc+otel-sdk` contender's phase only: a tracer provider
 * whose batch processor hands spans to an exporter that drops them (the cost of recording, not of a network), the
 * AsyncLocalStorage context manager and the W3C propagator. Registered in each process when the phase opens and removed when it
 * closes, so no other contender runs with it.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Registers the SDK in this process; returns what removes it. */
export function registerOtelSdk(): () => Promise<void> {
  const exporter = {
    export: (_spans: unknown[], done: (result: { code: ExportResultCode }) => void) => done({ code: ExportResultCode.SUCCESS }),
    shutdown: () => Promise.resolve(),
  };
  // A queue long enough that no span of a window is dropped unrecorded.
  const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 1 << 17, maxExportBatchSize: 512 });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  };
}
