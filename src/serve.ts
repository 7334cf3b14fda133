/**
 * Serving one incoming call: find the procedure, decode and validate the
 * input, run the handler with its context, validate and encode the result,
 * answer. Synchronous schemas and handlers are followed synchronously, so a
 * batch of such calls is answered in the same tick, in one frame.
 *
 * @module
 */
import { decodePayload, type EncodedPayload, encodePayload } from './codec.js';
import type { Connection } from './connection.js';
import { runServing } from './context.js';
import { type CallSite, encodeError, type RpcError, siteError, toRpcError } from './errors.js';
import type { PeerInfo, ProcedureContext, ProcedureDef } from './procedure.js';
import { type CallEnvelope, err, NO_TIMEOUT, ok, type WireError } from './protocol.js';
import { summariseIssues, type Validation, validate } from './schema.js';

/** What serving needs from the side it runs on. */
export interface ServeHost {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  /** How this side names itself in error messages. */
  readonly self: number | 'primary';
  readonly maxPayloadBytes: number;
  /** False once this side is shutting down: new calls get `SHUTTING_DOWN`. */
  readonly accepting: boolean;
  /** Told when a served call starts and ends, so `close()` can wait for them. */
  servingStarted(): void;
  servingEnded(): void;
}

/** The context of one served call; its `signal` is only created if a handler reads it. */
class ServedCall implements ProcedureContext {
  #controller: AbortController | undefined = undefined;
  #abortReason: Error | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly path: string,
    readonly caller: PeerInfo,
    readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** True once the caller stopped waiting or went away. */
  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}

const NO_INPUT: Validation = { ok: true, value: undefined };

/** Serves `envelope` from `conn`. Never throws; every outcome answers the caller unless it gave up. */
export function serveCall(host: ServeHost, conn: Connection, envelope: CallEnvelope): void {
  const [, id, path, timeoutMs, input] = envelope;
  const site: CallSite = { path, target: host.self };
  if (conn.serving.has(id)) return; // a duplicate id: the first one answers
  if (!host.accepting) return answerError(host, conn, id, siteError('SHUTTING_DOWN', site, 'The serving side is shutting down'));
  const def = host.procedures.get(path);
  if (!def) return answerError(host, conn, id, siteError('NOT_FOUND', site, 'No such procedure'));
  const decoded = decodePayload(input);
  if (!decoded.ok)
    return answerError(host, conn, id, siteError('BAD_REQUEST', site, `Input could not be decoded: ${decoded.detail}`));
  if (!def.input && decoded.value !== undefined) {
    return answerError(host, conn, id, siteError('BAD_REQUEST', site, 'This procedure takes no input, but one was given'));
  }

  const deadline = timeoutMs === NO_TIMEOUT ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  const served = new ServedCall(id, path, conn.info, deadline);
  conn.serving.set(id, served);
  host.servingStarted();
  let finished = false;
  const finish = (outcome: { ok: true; payload: EncodedPayload } | { ok: false; error: RpcError }): void => {
    if (finished) return;
    finished = true;
    conn.serving.delete(id);
    host.servingEnded();
    if (served.aborted) return; // the caller stopped waiting; it has its answer already
    if (outcome.ok) conn.send(ok(id, outcome.payload));
    else answerError(host, conn, id, outcome.error);
  };
  const fail = (thrown: unknown): void => finish({ ok: false, error: toRpcError(thrown, site) });

  const afterOutput = (validation: Validation): void => {
    if (!validation.ok) {
      const what = `Handler result failed the output schema: ${summariseIssues(validation.issues)}`;
      return finish({ ok: false, error: siteError('OUTPUT_INVALID', site, what, { issues: validation.issues }) });
    }
    const encoded = encodePayload(validation.value, 'result', host.maxPayloadBytes);
    if (encoded.ok) return finish({ ok: true, payload: encoded.payload });
    return finish({ ok: false, error: encodeError(encoded, site, host.maxPayloadBytes) });
  };
  const afterHandler = (result: unknown): void => {
    if (!def.output) return afterOutput({ ok: true, value: result });
    then(validate(def.output, result), afterOutput, fail);
  };
  const afterInput = (validation: Validation): void => {
    if (!validation.ok) {
      const what = `Input failed the input schema: ${summariseIssues(validation.issues)}`;
      return finish({ ok: false, error: siteError('BAD_REQUEST', site, what, { issues: validation.issues }) });
    }
    let result: unknown;
    try {
      result = runServing(served, def.handler, { input: validation.value, ctx: served });
    } catch (thrown) {
      return fail(thrown);
    }
    then(result, afterHandler, fail);
  };
  try {
    then(def.input ? validate(def.input, decoded.value) : NO_INPUT, afterInput, fail);
  } catch (thrown) {
    fail(thrown);
  }
}

/** Continues with `value` now if it is not a promise, after it settles if it is. */
function then<T>(value: T | PromiseLike<T>, next: (value: T) => void, fail: (thrown: unknown) => void): void {
  if (isThenable(value)) {
    Promise.resolve(value).then(next, fail).catch(fail);
  } else {
    next(value);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Sends `error` to the caller of `id`; its `data` crosses like a result, or is left out with a note if it cannot. */
function answerError(host: ServeHost, conn: Connection, id: string, error: RpcError): void {
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
