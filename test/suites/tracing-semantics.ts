/**
 * What tracing promises, on any transport: the spans of calls, streams and
 * events, their kinds, names, attributes and parents, gathered from every
 * process of a cluster whose processes each record with the OpenTelemetry
 * SDK (test/fixtures/tracing-app.ts).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PrimaryRpc } from '../../src/index.js';
import { type events, inNewTrace, type SpanRecord, type workerRouter } from '../fixtures/tracing-app.js';

export interface TracingHarness {
  readonly name: string;
  /** Starts the primary and two workers, each with the SDK registered. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly primary: PrimaryRpc<typeof workerRouter, typeof events>;
  /** The two workers' ids. */
  workerIds(): [number, number];
  /** The finished spans of `traceId` in every process. */
  spans(traceId: string): Promise<SpanRecord[]>;
  /** False for the test cluster, whose sides share one process. */
  readonly separateProcesses: boolean;
}

const RPC_SYSTEM = { 'rpc.system': 'cluster-rpc', 'rpc.system.name': 'cluster-rpc' };

function only(spans: readonly SpanRecord[], name: string, kind?: SpanKind): SpanRecord {
  const found = spans.filter((span) => span.name === name && (kind === undefined || span.kind === kind));
  if (found.length !== 1) throw new Error(`expected one span '${name}', found ${found.length} in ${JSON.stringify(spans)}`);
  return found[0] as SpanRecord;
}

function childrenOf(spans: readonly SpanRecord[], parent: SpanRecord): SpanRecord[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** The `traceparent` a span's context travels as (sampled). */
function traceparentOf(span: SpanRecord): string {
  return `00-${span.traceId}-${span.spanId}-01`;
}

export function describeTracing(harness: TracingHarness): void {
  describe(`tracing (${harness.name})`, () => {
    beforeAll(() => harness.start(), 60_000);
    afterAll(() => harness.stop());

    /** The spans of a trace once `count` of them have finished (events end theirs after the sender resolved). */
    const spansOf = (traceId: string, count: number): Promise<SpanRecord[]> =>
      vi.waitFor(
        async () => {
          const spans = await harness.spans(traceId);
          if (spans.length < count) throw new Error(`${spans.length} of ${count} spans so far`);
          return spans;
        },
        { timeout: 5000, interval: 20 },
      );

    it("a worker's call: a CLIENT span there, the primary's SERVER span its child and active in the middleware and the handler, traceparent beside the caller's headers", async () => {
      const [workerId] = harness.workerIds();
      const { traceId, value } = await harness.primary.call(workerId, 'drive', 'echo');
      const spans = await spansOf(traceId, 5);
      expect(spans).toHaveLength(5);
      const root = only(spans, 'worker.echo');
      const client = only(spans, 'echo', SpanKind.CLIENT);
      const server = only(spans, 'echo', SpanKind.SERVER);
      expect(client.parentSpanId).toBe(root.spanId);
      expect(server.parentSpanId).toBe(client.spanId);
      expect(
        childrenOf(spans, server)
          .map((span) => span.name)
          .sort(),
      ).toEqual(['middleware', 'primary.work']);
      expect(client.attributes).toEqual({
        ...RPC_SYSTEM,
        'rpc.method': 'echo',
        'rpc.response.status_code': 'OK',
        'cluster_rpc.peer.side': 'primary',
      });
      expect(server.attributes).toEqual({
        ...RPC_SYSTEM,
        'rpc.method': 'echo',
        'rpc.response.status_code': 'OK',
        'cluster_rpc.peer.side': 'worker',
        'cluster_rpc.peer.worker_id': workerId,
      });
      expect(client.status.code).toBe(SpanStatusCode.UNSET);
      expect(server.status.code).toBe(SpanStatusCode.UNSET);
      if (harness.separateProcesses) {
        expect(client.pid).not.toBe(server.pid);
        expect(root.pid).toBe(client.pid);
      }
      // The handler saw the context in ctx.headers, next to the header the caller gave.
      expect(value).toEqual({ input: 'hi', headers: { 'x-request-id': 'r-1', traceparent: traceparentOf(client) } });
    });

    it('a call from the primary continues the span active where it was made, into the worker', async () => {
      const [workerId] = harness.workerIds();
      const { traceId, value } = await inNewTrace('test.root', () =>
        harness.primary.call(workerId, 'leaf', undefined, { headers: { 'x-request-id': 'r-2' } }),
      );
      const spans = await spansOf(traceId, 3);
      expect(spans).toHaveLength(3);
      const root = only(spans, 'test.root');
      const client = only(spans, 'leaf', SpanKind.CLIENT);
      const server = only(spans, 'leaf', SpanKind.SERVER);
      expect([client.parentSpanId, server.parentSpanId]).toEqual([root.spanId, client.spanId]);
      expect(client.attributes).toMatchObject({ 'cluster_rpc.peer.side': 'worker', 'cluster_rpc.peer.worker_id': workerId });
      expect(server.attributes).toMatchObject({ 'cluster_rpc.peer.side': 'primary' });
      expect(value).toEqual({ 'x-request-id': 'r-2', traceparent: traceparentOf(client) });
    });

    it('nested calls, with and without parent: ctx: one trace across three hops, each client span the child of the server span it was made in', async () => {
      const [workerId] = harness.workerIds();
      const { traceId, value } = await harness.primary.call(workerId, 'drive', 'nested');
      const spans = await spansOf(traceId, 7);
      expect(spans).toHaveLength(7);
      const root = only(spans, 'worker.nested');
      const client = only(spans, 'nested', SpanKind.CLIENT);
      const server = only(spans, 'nested', SpanKind.SERVER);
      expect([client.parentSpanId, server.parentSpanId]).toEqual([root.spanId, client.spanId]);
      const leafClients = spans.filter((span) => span.name === 'leaf' && span.kind === SpanKind.CLIENT);
      expect(leafClients).toHaveLength(2);
      for (const leafClient of leafClients) {
        expect(leafClient.parentSpanId).toBe(server.spanId);
        const [leafServer, ...others] = childrenOf(spans, leafClient);
        expect(others).toEqual([]);
        expect(leafServer).toMatchObject({ name: 'leaf', kind: SpanKind.SERVER });
      }
      // The context in the nested calls' headers is theirs, not the parent call's inherited one.
      const { withParent, withoutParent } = value as Record<string, Record<string, string>>;
      expect(leafClients.map(traceparentOf).sort()).toEqual([withParent?.traceparent, withoutParent?.traceparent].sort());
      if (harness.separateProcesses) expect(new Set(spans.map((span) => span.pid)).size).toBe(2);
    });

    it('a stream: one CLIENT span from its opening to its end, the SERVER span active while the generator runs', async () => {
      const [workerId] = harness.workerIds();
      const { traceId, value } = await harness.primary.call(workerId, 'drive', 'stream');
      expect(value).toEqual([0, 1, 2]);
      const spans = await spansOf(traceId, 6);
      expect(spans).toHaveLength(6);
      const client = only(spans, 'count', SpanKind.CLIENT);
      const server = only(spans, 'count', SpanKind.SERVER);
      expect(client.parentSpanId).toBe(only(spans, 'worker.stream').spanId);
      expect(server.parentSpanId).toBe(client.spanId);
      expect(childrenOf(spans, server).map((span) => span.name)).toEqual(['primary.item', 'primary.item', 'primary.item']);
      expect(client.attributes).toMatchObject({ ...RPC_SYSTEM, 'rpc.method': 'count', 'rpc.response.status_code': 'OK' });
    });

    it("events: a broadcast is a PRODUCER span and a CONSUMER span in every process that receives it, each the producer's child and linked to it, active in the listeners", async () => {
      const [first, second] = harness.workerIds();
      // From the primary to both workers.
      const fromPrimary = await inNewTrace('test.root', () => harness.primary.broadcast('ping', { n: 0 }));
      const spans = await spansOf(fromPrimary.traceId, 6);
      expect(spans).toHaveLength(6);
      const producer = only(spans, 'broadcast ping', SpanKind.PRODUCER);
      expect(producer.attributes).toEqual({
        'messaging.system': 'cluster-rpc',
        'messaging.operation.name': 'broadcast',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'ping',
      });
      const consumers = spans.filter((span) => span.kind === SpanKind.CONSUMER);
      expect(consumers).toHaveLength(2);
      for (const consumer of consumers) {
        expect(consumer).toMatchObject({ name: 'process ping', parentSpanId: producer.spanId });
        expect(consumer.links).toEqual([{ traceId: producer.traceId, spanId: producer.spanId }]);
        expect(consumer.attributes).toMatchObject({
          'messaging.operation.type': 'process',
          'messaging.destination.name': 'ping',
        });
        expect(childrenOf(spans, consumer).map((span) => span.name)).toEqual(['listener']);
      }
      if (harness.separateProcesses) expect(new Set(consumers.map((span) => span.pid)).size).toBe(2);
      const pings = (await harness.primary.call(first, 'pings')) as Array<Record<string, string>>;
      expect(pings.map((headers) => headers.traceparent)).toContain(traceparentOf(producer));

      // From a worker: emitted to the primary, and broadcast through the primary to the other worker.
      const emitted = await harness.primary.call(first, 'drive', 'emit');
      const emitSpans = await spansOf(emitted.traceId, 4);
      const emitter = only(emitSpans, 'emit ping', SpanKind.PRODUCER);
      expect(only(emitSpans, 'process ping', SpanKind.CONSUMER).parentSpanId).toBe(emitter.spanId);
      const relayed = await harness.primary.call(second, 'drive', 'broadcast');
      const relaySpans = await spansOf(relayed.traceId, 6);
      const relayProducer = only(relaySpans, 'broadcast ping', SpanKind.PRODUCER);
      const relayConsumers = relaySpans.filter((span) => span.kind === SpanKind.CONSUMER);
      expect(relayConsumers.map((span) => span.parentSpanId)).toEqual([relayProducer.spanId, relayProducer.spanId]);
      if (harness.separateProcesses) expect(new Set(relaySpans.map((span) => span.pid)).size).toBe(3);
    });

    it("failures: the client span's status is ERROR with error.type the RpcError code; the server span's too, unless the caller caused it", async () => {
      const [workerId] = harness.workerIds();
      const failed = await harness.primary.call(workerId, 'drive', 'fail');
      expect(failed.value).toBe('INTERNAL_ERROR');
      const spans = await spansOf(failed.traceId, 3);
      for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
        const span = only(spans, 'fail', kind);
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.attributes).toMatchObject({ 'error.type': 'INTERNAL_ERROR', 'rpc.response.status_code': 'INTERNAL_ERROR' });
      }
      expect(only(spans, 'fail', SpanKind.CLIENT).status.message).toContain('boom');

      const refused = await harness.primary.call(workerId, 'drive', 'strict');
      expect(refused.value).toBe('BAD_REQUEST');
      const refusedSpans = await spansOf(refused.traceId, 3);
      const client = only(refusedSpans, 'strict', SpanKind.CLIENT);
      const server = only(refusedSpans, 'strict', SpanKind.SERVER);
      expect(client.status.code).toBe(SpanStatusCode.ERROR);
      expect(client.attributes['error.type']).toBe('BAD_REQUEST');
      expect(server.status.code).toBe(SpanStatusCode.UNSET);
      expect(server.attributes).not.toHaveProperty('error.type');
      expect(server.attributes['rpc.response.status_code']).toBe('BAD_REQUEST');

      // A path the primary does not serve: the server span does not take the caller's name for it.
      const missing = await harness.primary.call(workerId, 'drive', 'missing');
      expect(missing.value).toBe('NOT_FOUND');
      const missingSpans = await spansOf(missing.traceId, 3);
      expect(only(missingSpans, 'no.such.procedure', SpanKind.CLIENT).attributes['error.type']).toBe('NOT_FOUND');
      expect(only(missingSpans, 'cluster-rpc', SpanKind.SERVER).attributes).toMatchObject({
        'rpc.method': '_OTHER',
        'rpc.method_original': 'no.such.procedure',
        'rpc.response.status_code': 'NOT_FOUND',
      });
    });
  });
}
