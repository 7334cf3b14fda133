/** The tracing seam: what a tracer hears of calls, streams and events here, knowing nothing of OpenTelemetry. @module */

/**
 * A call or stream, as a tracer sees it when it starts.
 * @example
 * ```ts
 * import type { TracedRequest } from 'cluster-rpc/types';
 * const request: TracedRequest = { kind: 'call', path: 'hits.increment', peer: 'primary', known: true };
 * ```
 * @group Tracing
 */
export interface TracedRequest {
  /** `'call'`, or `'stream'` for a stream procedure. */
  readonly kind: 'call' | 'stream';
  /** The procedure's path, as the caller gave it. */
  readonly path: string;
  /** The other process: the callee for a client span, the caller for a server span. */
  readonly peer: number | 'primary';
  /** Whether the serving side has a procedure at `path`: false for a path no router defines. Always true in the caller. */
  readonly known: boolean;
}

/**
 * An event, as a tracer sees it when it is sent or received.
 * @example
 * ```ts
 * import type { TracedEvent } from 'cluster-rpc/types';
 * const received: TracedEvent = { operation: 'receive', name: 'configChanged' };
 * ```
 * @group Tracing
 */
export interface TracedEvent {
  /** How it was sent (`emit`, `broadcast`), or `receive` where it arrives. */
  readonly operation: 'emit' | 'broadcast' | 'receive';
  /** The event's name. */
  readonly name: string;
}

/**
 * A span started by a {@link Tracing}: ended once, when what it describes is over.
 * @example
 * ```ts
 * import type { TraceSpan } from 'cluster-rpc/types';
 * const span: TraceSpan = { end: (failure) => console.log(failure ?? 'OK') };
 * ```
 * @group Tracing
 */
export interface TraceSpan {
  /** Ends the span; `failure`, when it failed, is the `RpcError` code (or the error's name), with the message if known. */
  end(failure?: string, message?: string): void;
}

/**
 * The span of something this process sends: a call, a stream or an event.
 * @example
 * ```ts
 * import type { OutgoingSpan } from 'cluster-rpc/types';
 * const span: OutgoingSpan = { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, end() {} };
 * ```
 * @group Tracing
 */
export interface OutgoingSpan extends TraceSpan {
  /** Headers that carry the span's context to the other process, over those of the same name; `undefined` for none. */
  readonly headers: Readonly<Record<string, string>> | undefined;
}

/**
 * The span of something this process receives: a call or stream it serves, or an event.
 * @example
 * ```ts
 * import type { IncomingSpan } from 'cluster-rpc/types';
 * const span: IncomingSpan = { run: (fn, thisArg, ...args) => fn.apply(thisArg, args), end() {} };
 * ```
 * @group Tracing
 */
export interface IncomingSpan extends TraceSpan {
  /** Calls `fn` with this span active, so what it starts, now or asynchronously, is its child. */
  run<TArgs extends unknown[], TResult>(fn: (...args: TArgs) => TResult, thisArg: unknown, ...args: TArgs): TResult;
}

/**
 * What the `tracing` option of `createClusterRpc` takes: `otelTracing()` from `cluster-rpc/otel`, or a tracer of your
 * own. Each method returns at once, and `undefined` when there is nothing to trace.
 * @example A tracer that logs the calls this process makes
 * ```ts
 * import type { Tracing } from 'cluster-rpc/types';
 * const none = () => undefined;
 * const tracing: Tracing = {
 *   startClient: (request) => ({ headers: undefined, end: (failure) => console.log(request.path, failure ?? 'OK') }),
 *   startServer: none, startProducer: none, startConsumer: none,
 * };
 * ```
 * @group Tracing
 */
export interface Tracing {
  /** A call or stream this process makes: its span is the child of whatever is active where it is made (or first read). */
  startClient(request: TracedRequest): OutgoingSpan | undefined;
  /** A call or stream that arrived, with the headers it carries; its span is active while its middlewares and handler run. */
  startServer(request: TracedRequest, headers: Readonly<Record<string, string>>): IncomingSpan | undefined;
  /** An event this process sends (`emit`, `broadcast`). */
  startProducer(event: TracedEvent): OutgoingSpan | undefined;
  /** An event received, with the headers it carries; its span is active while the listeners run. */
  startConsumer(event: TracedEvent, headers: Readonly<Record<string, string>>): IncomingSpan | undefined;
}
