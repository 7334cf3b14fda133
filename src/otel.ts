/**
 * Traces across processes with OpenTelemetry: {@link otelTracing} for the `tracing` option of `createClusterRpc`.
 * Needs the optional peer dependency `@opentelemetry/api` 1.x and an SDK the application registers; the README's
 * "Tracing" is the guide.
 *
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { otelTracing } from 'cluster-rpc/otel';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 * export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, tracing: otelTracing() });
 * ```
 *
 * @packageDocumentation
 * @module cluster-rpc/otel
 */
export { type OtelTracingOptions, otelTracing } from './otel/otel-tracing.js';
