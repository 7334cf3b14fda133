/**
 * Traces across processes with OpenTelemetry: {@link otelTracing} for the `tracing` option of `createClusterRpc`. Needs
 * the optional peer dependency `@opentelemetry/api` 1.x and an SDK the application registers; guide: the README's "Tracing".
 * ```ts
 * import { otelTracing } from 'cluster-rpc/otel';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/otel
 */
export { type OtelTracingOptions, otelTracing } from './otel/otel-tracing.js';
