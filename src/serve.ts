/**
 * Serving one incoming call: find the procedure, decode and validate the
 * input, run the middlewares and the handler with its context, validate and
 * encode the result, answer. Synchronous schemas and handlers without
 * middleware are followed synchronously, so a batch of such calls is
 * answered in the same tick, in one frame; the steps are methods of one
 * object per call rather than closures, which keeps that path free of
 * per-call function allocations, and the handler's `ctx` is only made if it
 * reads it.
 *
 * @module
 */
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from './codec.js';
import type { Connection } from './connection.js';
import { createContext, type SideApi, type SignalOwner, signalController } from './context.js';
import { type CallSite, encodeError, type RpcError, type RpcErrorCode, siteError, toRpcError } from './errors.js';
import { type CallMeter, type MetricsRecorder, OTHER_PROCEDURES } from './metrics/recorder.js';
import { runMiddlewares } from './middleware.js';
import type { HandlerArgs, PeerInfo, ProcedureContext, ProcedureDef } from './procedure.js';
import { type CallEnvelope, err, NO_TIMEOUT, ok, type WireError } from './protocol.js';
import { summariseIssues, type Validation, validate } from './schema.js';

export { SIDE_API, type SideApi } from './context.js';

/** What serving needs from the side it runs on. */
export interface ServeHost {
  /** This side's API, for `rpc.for(ctx)`. */
  readonly api: SideApi | undefined;
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  /** How this side names itself in error messages. */
  readonly self: number | 'primary';
  readonly maxPayloadBytes: number;
  /** False once this side is shutting down: new calls get `SHUTTING_DOWN`. */
  readonly accepting: boolean;
  /** Told when a served call starts and ends, so `close()` can wait for them and `pendingCount()` counts them. */
  servingStarted(): void;
  servingEnded(): void;
  /** Counts calls served, when metrics are on. */
  readonly metrics: MetricsRecorder | undefined;
  /** When the frame bringing the call being served arrived (with metrics on): its start. */
  readonly frameArrivedAt: number;
}

const NO_INPUT: Validation = { value: undefined };

/** A handler's arguments: its `ctx` is made on first read. */
class CallArgs implements HandlerArgs<unknown> {
  readonly #call: ServedCall;

  constructor(
    call: ServedCall,
    readonly input: unknown,
  ) {
    this.#call = call;
  }

  get ctx(): ProcedureContext {
    return this.#call.context();
  }
}

/**
 * One call being served. Its `ctx` is only made if a middleware or the
 * handler reads it, and the `signal` in it only if that is read.
 */
class ServedCall implements SignalOwner {
  readonly #host: ServeHost;
  readonly #conn: Connection;
  readonly #def: ProcedureDef;
  #ctx: ProcedureContext | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #abortReason: Error | undefined = undefined;
  #released = false;
  /** Listed in the connection's `serving` table: only once the call waits for something (see {@link ServedCall.#then}). */
  #listed = false;
  readonly #meter: CallMeter | undefined;
  readonly #startedAt: number;

  constructor(
    host: ServeHost,
    conn: Connection,
    def: ProcedureDef,
    readonly requestId: string,
    readonly path: string,
    readonly caller: PeerInfo,
    readonly deadline: number,
  ) {
    this.#host = host;
    this.#conn = conn;
    this.#def = def;
    host.servingStarted();
    this.#meter = host.metrics?.procedure(path).served;
    this.#startedAt = this.#meter ? this.#meter.start(host.frameArrivedAt) : 0;
  }

  /** The handler's `ctx`, made once. */
  context(): ProcedureContext {
    this.#ctx ??= createContext(this, {
      requestId: this.requestId,
      caller: this.caller,
      deadline: this.deadline,
      path: this.path,
      api: this.#host.api,
    });
    return this.#ctx;
  }

  get signal(): AbortSignal {
    this.#controller ??= signalController(this.#abortReason);
    return this.#controller.signal;
  }

  /**
   * The caller stopped waiting, went away, or this side closed: abort the
   * handler's signal. The call stops counting as served at once, even if its
   * handler never returns; its eventual result is dropped.
   */
  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    const { code } = reason as { code?: unknown };
    this.#release(typeof code === 'string' ? code : 'ABORTED');
  }

  /** Runs the call from its decoded input. */
  start(input: unknown): void {
    try {
      this.#then(this.#def.input ? validate(this.#def.input, input) : NO_INPUT, this.#afterInput);
    } catch (thrown) {
      this.#fail(thrown);
    }
  }

  #afterInput(validation: Validation): void {
    if (validation.issues) {
      const what = `Input failed the input schema: ${summariseIssues(validation.issues)}`;
      return this.#answerError(siteError('BAD_REQUEST', this.#site(), what, { issues: validation.issues }));
    }
    if (this.#def.middlewares.length > 0) {
      const input = validation.value;
      const chain = runMiddlewares(this.#def.middlewares, this.path, input, this.context(), (ctx) =>
        this.#handleValidated(input, ctx),
      );
      return this.#then(chain, this.#answer);
    }
    let result: unknown;
    try {
      result = this.#def.handler(new CallArgs(this, validation.value));
    } catch (thrown) {
      return this.#fail(thrown);
    }
    this.#then(result, this.#afterHandler);
  }

  /** The end of a middleware chain: the handler, then the output schema; what it throws fails the chain. */
  async #handleValidated(input: unknown, ctx: ProcedureContext): Promise<unknown> {
    const result = await this.#def.handler({ input, ctx });
    if (!this.#def.output) return result;
    const validation = await validate(this.#def.output, result);
    if (!validation.issues) return validation.value;
    const what = `Handler result failed the output schema: ${summariseIssues(validation.issues)}`;
    throw siteError('OUTPUT_INVALID', this.#site(), what, { issues: validation.issues });
  }

  #afterHandler(result: unknown): void {
    if (!this.#def.output) return this.#answer(result);
    this.#then(validate(this.#def.output, result), this.#afterOutput);
  }

  #afterOutput(validation: Validation): void {
    if (validation.issues) {
      const what = `Handler result failed the output schema: ${summariseIssues(validation.issues)}`;
      return this.#answerError(siteError('OUTPUT_INVALID', this.#site(), what, { issues: validation.issues }));
    }
    this.#answer(validation.value);
  }

  #answer(result: unknown): void {
    const encoded = encodePayload(result, 'result', this.#host.maxPayloadBytes);
    if (!encoded.ok) return this.#answerError(encodeError(encoded, this.#site(), this.#host.maxPayloadBytes));
    if (this.#release(undefined)) this.#conn.send(ok(this.requestId, encoded.payload), encoded.bytes);
  }

  /** Continues with `value` now if it is not a promise, after it settles if it is. */
  #then<T>(value: T | PromiseLike<T>, next: (this: ServedCall, value: T) => void): void {
    if (!isThenable(value)) return next.call(this, value);
    // A call followed synchronously to its answer is over before any cancel or
    // close could reach it; one that waits is listed, so they can.
    if (!this.#listed && !this.#released) {
      this.#listed = true;
      this.#conn.serving.set(this.requestId, this);
    }
    Promise.resolve(value).then(
      (settled) => {
        try {
          next.call(this, settled);
        } catch (thrown) {
          this.#fail(thrown);
        }
      },
      (thrown: unknown) => this.#fail(thrown),
    );
  }

  #fail(thrown: unknown): void {
    this.#answerError(toRpcError(thrown, this.#site()));
  }

  #answerError(error: RpcError): void {
    if (this.#release(error.code)) answerError(this.#host, this.#conn, this.requestId, error);
  }

  /** Ends the call's bookkeeping once, with the code it failed with; false when that already happened (answered, or aborted). */
  #release(failure: string | undefined): boolean {
    if (this.#released) return false;
    this.#released = true;
    this.#meter?.end(this.#startedAt, failure);
    if (this.#listed) this.#conn.serving.delete(this.requestId);
    this.#host.servingEnded();
    return true;
  }

  #site(): CallSite {
    return { path: this.path, target: this.#host.self };
  }
}

/** Serves `envelope` from `conn`. Never throws; every outcome answers the caller unless it gave up. */
export function serveCall(host: ServeHost, conn: Connection, envelope: CallEnvelope): void {
  const [, id, path, timeoutMs, input] = envelope;
  if (conn.serving.has(id)) return; // a duplicate id: the first one answers
  if (!host.accepting) return refuse(host, conn, envelope, 'SHUTTING_DOWN', 'The serving side is shutting down');
  const def = host.procedures.get(path);
  if (!def) return refuse(host, conn, envelope, 'NOT_FOUND', 'No such procedure');
  if (def.stream)
    return refuse(host, conn, envelope, 'BAD_REQUEST', 'This procedure is a stream: read it with stream(), not call()');
  const value = decodePayload(input);
  if (value instanceof DecodeFailure)
    return refuse(host, conn, envelope, 'BAD_REQUEST', `Input could not be decoded: ${value.detail}`);
  if (!def.input && value !== undefined) {
    return refuse(host, conn, envelope, 'BAD_REQUEST', 'This procedure takes no input, but one was given');
  }
  const deadline = timeoutMs === NO_TIMEOUT ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  new ServedCall(host, conn, def, id, path, conn.info, deadline).start(value);
}

/** Answers a call that never reached its handler. */
function refuse(host: ServeHost, conn: Connection, [, id, path]: CallEnvelope, code: RpcErrorCode, what: string): void {
  // Paths no router serves are counted together: a caller cannot grow the table.
  host.metrics?.procedure(host.procedures.has(path) ? path : OTHER_PROCEDURES).served.refused(code);
  answerError(host, conn, id, siteError(code, { path, target: host.self }, what));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Sends `error` to the caller of `id`; its `data` crosses like a result, or is left out with a note if it cannot. */
export function answerError(host: ServeHost, conn: Connection, id: string, error: RpcError): void {
  const wire: { code: string; message: string; issues?: WireError['issues']; data?: EncodedPayload } = {
    code: error.code,
    message: error.message,
  };
  if (error.issues) wire.issues = error.issues;
  if (error.data !== undefined) {
    const data = encodePayload(error.data, 'error data', host.maxPayloadBytes);
    if (data.ok) wire.data = data.payload;
    else wire.message += ` [its data was left out: ${data.kind === 'unserializable' ? data.detail : 'too large'}]`;
  }
  conn.send(err(id, wire));
}
