/** Calls, streams and events made with a {@link Tracing}: a span each, its headers joining the caller's. @module */
import { debug } from '../wire/debug.js';
import { fieldsOf } from '../wire/guards.js';
import { checkHeaders } from '../wire/headers.js';
import type { RpcStream } from './read-stream.js';
import type { IncomingSpan, OutgoingSpan, TraceSpan, Tracing } from './tracing.js';

/** Options that may carry headers, or a parent whose headers they inherit. */
interface WithHeaders {
  readonly headers?: Readonly<Record<string, string>>;
  readonly parent?: unknown;
}

/**
 * `options` with the span's headers over the request's own (or its parent's). Options the engine will refuse are left
 * as they are, and headers that would go over the limit leave without the span's.
 */
function withSpanHeaders<TOptions extends WithHeaders>(options: TOptions | undefined, span: OutgoingSpan): TOptions | undefined {
  const added = span.headers;
  if (added === undefined) return options;
  if (options !== undefined && (typeof options !== 'object' || options === null)) return options;
  try {
    const parent = options?.parent;
    const inherited = typeof parent === 'object' && parent !== null ? (parent as WithHeaders).headers : undefined;
    const headers = { ...checkHeaders(options?.headers !== undefined ? options.headers : inherited), ...added };
    if (!withinLimit(headers)) return options;
    return { ...options, headers } as TOptions;
  } catch {
    return options;
  }
}

function withinLimit(headers: Readonly<Record<string, string>>): boolean {
  try {
    checkHeaders(headers);
    return true;
  } catch (error) {
    debug(() => `the trace context was left out: ${(error as Error).message}`);
    return false;
  }
}

/** Ends `span` with the code (or name) and message of what was thrown. */
export function endWithError(span: TraceSpan, error: unknown): void {
  const { code, name, message } = fieldsOf(error);
  const failure = typeof code === 'string' ? code : typeof name === 'string' ? name : 'Error';
  span.end(failure, typeof message === 'string' ? message : String(error));
}

/** Runs `send` with the span's headers and ends the span when its promise settles. */
function settle<TResult, TOptions extends WithHeaders>(
  span: OutgoingSpan | undefined,
  options: TOptions | undefined,
  send: (options: TOptions | undefined) => Promise<TResult>,
): Promise<TResult> {
  if (span === undefined) return send(options);
  return send(withSpanHeaders(options, span)).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endWithError(span, error);
      throw error;
    },
  );
}

export function tracedCall<TOptions extends WithHeaders>(
  tracing: Tracing,
  path: string,
  peer: number | 'primary',
  options: TOptions | undefined,
  call: (options: TOptions | undefined) => Promise<unknown>,
): Promise<unknown> {
  return settle(tracing.startClient({ kind: 'call', path, peer, known: true }), options, call);
}

export function tracedEvent<TResult, TOptions extends WithHeaders>(
  tracing: Tracing,
  operation: 'emit' | 'broadcast',
  name: string,
  options: TOptions | undefined,
  send: (options: TOptions | undefined) => Promise<TResult>,
): Promise<TResult> {
  return settle(tracing.startProducer({ operation, name }), options, send);
}

/** The client span starts at the first `next()`, where the loop runs, and ends with the stream. */
class TracedStream implements RpcStream<unknown> {
  readonly #tracing: Tracing;
  readonly #path: string;
  readonly #peer: number | 'primary';
  readonly #options: WithHeaders | undefined;
  readonly #open: (options: WithHeaders | undefined) => RpcStream<unknown>;
  #stream: RpcStream<unknown> | undefined = undefined;
  #span: OutgoingSpan | undefined = undefined;

  constructor(
    tracing: Tracing,
    path: string,
    peer: number | 'primary',
    options: WithHeaders | undefined,
    open: (options: WithHeaders | undefined) => RpcStream<unknown>,
  ) {
    this.#tracing = tracing;
    this.#path = path;
    this.#peer = peer;
    this.#options = options;
    this.#open = open;
  }

  [Symbol.asyncIterator](): RpcStream<unknown> {
    return this;
  }

  next(): Promise<IteratorResult<unknown, undefined>> {
    if (this.#stream === undefined) {
      this.#span = this.#tracing.startClient({ kind: 'stream', path: this.#path, peer: this.#peer, known: true });
      this.#stream = this.#open(this.#span ? withSpanHeaders(this.#options, this.#span) : this.#options);
    }
    return this.#stream.next().then(
      (result) => {
        if (result.done) this.#end();
        return result;
      },
      (error: unknown) => {
        const span = this.#span;
        this.#span = undefined;
        if (span) endWithError(span, error);
        throw error;
      },
    );
  }

  return(): Promise<IteratorReturnResult<undefined>> {
    this.#stream ??= this.#open(this.#options);
    // The reader stopped: a normal end for the caller, as for the producer.
    this.#end();
    return this.#stream.return();
  }

  #end(): void {
    const span = this.#span;
    this.#span = undefined;
    span?.end();
  }
}

/** `open` makes the stream from the options with the span's headers. */
export function tracedStream<TOptions extends WithHeaders>(
  tracing: Tracing,
  path: string,
  peer: number | 'primary',
  options: TOptions | undefined,
  open: (options: TOptions | undefined) => RpcStream<unknown>,
): RpcStream<unknown> {
  return new TracedStream(tracing, path, peer, options, open as (options: WithHeaders | undefined) => RpcStream<unknown>);
}

/** A hook or `end` that throws counts as untraced, so a faulty tracer cannot leave a request half done. */
export function guardTracing(tracing: Tracing): Tracing {
  return {
    startClient: (request) => attempt(() => guardOutgoing(tracing.startClient(request))),
    startServer: (request, headers) => attempt(() => guardIncoming(tracing.startServer(request, headers))),
    startProducer: (event) => attempt(() => guardOutgoing(tracing.startProducer(event))),
    startConsumer: (event, headers) => attempt(() => guardIncoming(tracing.startConsumer(event, headers))),
  };
}

function attempt<TSpan>(start: () => TSpan | undefined): TSpan | undefined {
  try {
    return start();
  } catch (error) {
    debug(() => `a tracing hook threw, so this request is not traced: ${String(error)}`);
    return undefined;
  }
}

function endQuietly(span: TraceSpan, failure: string | undefined, message: string | undefined): void {
  try {
    span.end(failure, message);
  } catch (error) {
    debug(() => `a span's end() threw: ${String(error)}`);
  }
}

function guardOutgoing(span: OutgoingSpan | undefined): OutgoingSpan | undefined {
  if (span === undefined) return undefined;
  return { headers: span.headers, end: (failure, message) => endQuietly(span, failure, message) };
}

function guardIncoming(span: IncomingSpan | undefined): IncomingSpan | undefined {
  if (span === undefined) return undefined;
  return {
    run(fn, thisArg, ...args) {
      let ran = false;
      const inner = (...given: typeof args) => {
        ran = true;
        return fn.apply(thisArg, given);
      };
      try {
        return span.run(inner, undefined, ...args);
      } catch (error) {
        // What fn threw goes on; a run() that failed before calling fn must not keep the request from being served.
        if (ran) throw error;
        debug(() => `a span's run() threw: ${String(error)}`);
        return fn.apply(thisArg, args);
      }
    },
    end: (failure, message) => endQuietly(span, failure, message),
  };
}
