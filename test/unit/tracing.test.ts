/**
 * Tracing's edges over the in-process test cluster, in a process where no
 * OpenTelemetry SDK is registered globally: what `otelTracing()` costs the
 * calls then (nothing added), spans sent to a provider given as an option,
 * how the trace context joins a call's own and inherited headers and the
 * limit on them, and the checks of the options.
 */
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CallOptions, createClusterRpc, defineEvents, defineRouter, procedure } from '../../src/index.js';
import { otelTracing } from '../../src/otel.js';
import { createTestCluster } from '../../src/testing.js';
import type { Tracing } from '../../src/types.js';
import { MAX_HEADER_BYTES } from '../../src/wire/headers.js';

const primaryRouter = defineRouter({
  headers: procedure.handler(({ ctx }) => ({ ...ctx.headers })),
  fail: procedure.handler((): never => {
    throw new Error('boom');
  }),
});
/** How worker 1 of the running cluster calls the primary's `headers`. */
let callHeaders: ((options: CallOptions) => Promise<unknown>) | undefined;
const workerRouter = defineRouter({
  /** Calls the primary's `headers` with `{ parent: ctx }`: what it carries on. */
  relay: procedure.handler(async ({ ctx }) => callHeaders?.({ parent: ctx })),
});
const events = defineEvents({ note: z.string() });

const clusters: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

function start(tracing: Tracing) {
  const cluster = createTestCluster({
    primary: primaryRouter,
    worker: workerRouter,
    events,
    workers: 1,
    tracing,
    onError: false,
  });
  clusters.push(cluster);
  callHeaders = (options) => cluster.workers[0].call('headers', undefined, options);
  return cluster;
}

/** A provider of its own, recording in memory, and W3C headers: nothing registered globally. */
function recorded() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracing: otelTracing({ tracerProvider: provider, propagator: new W3CTraceContextPropagator() }) };
}

describe('otelTracing() without an SDK', () => {
  it('adds no header and changes no outcome: the API records nothing and carries nothing', async () => {
    const cluster = start(otelTracing());
    const worker = cluster.workers[0];
    expect(await worker.call('headers', undefined, { headers: { 'x-request-id': 'r-1' } })).toEqual({ 'x-request-id': 'r-1' });
    expect(await worker.call('headers')).toEqual({});
    await expect(worker.call('fail')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    const notes: Array<Record<string, string>> = [];
    cluster.primary.on('note', (_note, meta) => void notes.push({ ...meta.headers }));
    await worker.emit('note', 'n');
    await worker.call('headers'); // after the event, on the same channel
    expect(notes).toEqual([{}]);
    expect(await cluster.primary.call(1, 'relay')).toEqual({});
  });
});

describe('otelTracing() and an SDK registered later', () => {
  it('traces from the moment the SDK is registered', async () => {
    const worker = start(otelTracing()).workers[0];
    expect(await worker.call('headers')).toEqual({});
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const headers = (await worker.call('headers')) as Record<string, string>;
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(exporter.getFinishedSpans().map((span) => span.kind)).toEqual([SpanKind.SERVER, SpanKind.CLIENT]);
    } finally {
      trace.disable();
      propagation.disable();
    }
  });
});

describe('otelTracing({ tracerProvider, propagator })', () => {
  it('records with the provider given, and the server span is the child of the client span it came from', async () => {
    const { exporter, tracing } = recorded();
    const worker = start(tracing).workers[0];
    const headers = (await worker.call('headers')) as Record<string, string>;
    const spans = exporter.getFinishedSpans();
    const client = spans.find((span) => span.kind === SpanKind.CLIENT);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(client?.name).toBe('headers');
    expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
    expect(headers.traceparent).toBe(`00-${client?.spanContext().traceId}-${client?.spanContext().spanId}-01`);
    expect(server?.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('a traced call that fails', () => {
  it("keeps the caller's frames on its stack, as untraced", async () => {
    const { exporter, tracing } = recorded();
    const worker = start(tracing).workers[0];
    async function callThatFails(): Promise<unknown> {
      const value = await worker.call('fail');
      return value;
    }
    const error = (await callThatFails().catch((caught: unknown) => caught)) as Error;
    expect(error.stack).toContain('callThatFails');
    expect(error.stack).toMatch(/tracing\.test\.ts/);
    expect(exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CLIENT)?.attributes['error.type']).toBe(
      'INTERNAL_ERROR',
    );
  });
});

describe('the trace context in the headers', () => {
  it('joins the headers a call gives, replacing a traceparent of their own', async () => {
    const { tracing } = recorded();
    const worker = start(tracing).workers[0];
    const forged = '00-11111111111111111111111111111111-2222222222222222-01';
    const seen = (await worker.call('headers', undefined, { headers: { traceparent: forged, 'x-a': 'b' } })) as Record<
      string,
      string
    >;
    expect(seen['x-a']).toBe('b');
    expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen.traceparent).not.toBe(forged);
  });

  it("replaces the parent's context in the headers a nested call inherits, and keeps the rest", async () => {
    const { exporter, tracing } = recorded();
    const cluster = start(tracing);
    const seen = (await cluster.primary.call(1, 'relay', undefined, { headers: { 'x-request-id': 'r-9' } })) as Record<
      string,
      string
    >;
    const inner = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CLIENT && span.name === 'headers');
    expect(seen).toEqual({
      'x-request-id': 'r-9',
      traceparent: `00-${inner?.spanContext().traceId}-${inner?.spanContext().spanId}-01`,
    });
  });

  it('leaves the context out rather than refuse a call whose own headers fit the limit only without it', async () => {
    const { tracing } = recorded();
    const worker = start(tracing).workers[0];
    const full = { big: 'x'.repeat(MAX_HEADER_BYTES - 3 - 10) };
    expect(await worker.call('headers', undefined, { headers: full })).toEqual(full);
  });

  it('leaves headers the engine refuses as they are: the call fails with BAD_REQUEST as it would untraced', async () => {
    const { exporter, tracing } = recorded();
    const worker = start(tracing).workers[0];
    const bad = { headers: { n: 1 } } as unknown as { headers: Record<string, string> };
    await expect(worker.call('headers', undefined, bad)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const [client] = exporter.getFinishedSpans();
    expect(client?.attributes['error.type']).toBe('BAD_REQUEST');
    expect(client?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('a tracer that throws', () => {
  it('leaves calls and events untraced rather than failed or unanswered', async () => {
    const fail = (): never => {
      throw new Error('tracer bug');
    };
    const faulty: Tracing = {
      startClient: () => ({ headers: { 'x-trace': '1' }, end: fail }),
      startServer: () => ({ run: fail, end: fail }),
      startProducer: fail,
      startConsumer: () => ({ run: (fn, thisArg, ...args) => fn.apply(thisArg, args), end: fail }),
    };
    const cluster = start(faulty);
    const worker = cluster.workers[0];
    expect(await worker.call('headers')).toEqual({ 'x-trace': '1' });
    await expect(worker.call('fail')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    const notes: string[] = [];
    cluster.primary.on('note', (note) => void notes.push(note));
    await worker.emit('note', 'n');
    await worker.call('headers');
    expect(notes).toEqual(['n']);
    expect(cluster.pendingCount()).toBe(0);
  });
});

describe('option checks', () => {
  it('createClusterRpc refuses a tracing option that is not a Tracing, naming what it lacks', () => {
    expect(() => createClusterRpc({ tracing: {} as Tracing })).toThrow(
      /tracing must be what otelTracing\(\) returns.*without startClient, startServer, startProducer, startConsumer/,
    );
    expect(() => createTestCluster({ tracing: null as unknown as Tracing })).toThrow(TypeError);
  });

  it('otelTracing refuses options that are not a provider or a propagator', () => {
    expect(() => otelTracing({ tracerProvider: {} as never })).toThrow(/tracerProvider must be an OpenTelemetry TracerProvider/);
    expect(() => otelTracing({ propagator: { inject() {} } as never })).toThrow(/propagator must be/);
    expect(() => otelTracing(1 as never)).toThrow(/options must be an object/);
  });
});
