/** What serving a call and a stream share: one admission, the request's state, the error answer. @module */
import {
  createContext,
  type ProcedureContext,
  type RequestFields,
  type SideApi,
  type SignalOwner,
  signalController,
} from '../define/context.js';
import type { ProcedureDef, ProcedureKind } from '../define/procedure.js';
import { summariseIssues, type Validation } from '../define/schema.js';
import type { CallMeter, MetricsRecorder } from '../metrics/recorder.js';
import { OTHER_PROCEDURES } from '../metrics/recorder.js';
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from '../wire/codec.js';
import { type CallSite, RpcError, type RpcErrorCode, type RpcIssue, siteError, withSite } from '../wire/errors.js';
import { type Headers, NO_HEADERS } from '../wire/headers.js';
import { err, NO_TIMEOUT, type WireError } from '../wire/protocol.js';
import type { ErrorReporter } from './error-report.js';
import type { Peer, ServedHandle } from './peer.js';
import type { IncomingSpan, Tracing } from './tracing.js';

/** What serving needs from the side it runs on. */
export interface ServeHost {
  readonly api: SideApi | undefined;
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  readonly self: number | 'primary';
  readonly maxPayloadBytes: number;
  /** False once this side takes no more requests: new ones get `SHUTTING_DOWN`. */
  readonly admitting: boolean;
  /** For `close()` to wait for served requests and `pendingCount()` to count them. */
  servingStarted(): void;
  servingEnded(): void;
  readonly metrics: MetricsRecorder | undefined;
  readonly frameArrivedAt: number;
  readonly reportError: ErrorReporter;
  readonly tracing: Tracing | undefined;
}

export interface Admitted {
  readonly def: ProcedureDef;
  readonly input: unknown;
  readonly fields: RequestFields;
  readonly span: IncomingSpan | undefined;
}

/** The input of a procedure that takes none, as its validation would give it. */
export const NO_INPUT: Validation = { value: undefined };

const WRONG_KIND: Record<ProcedureKind, string> = {
  call: 'This procedure is a stream: read it with stream(), not call()',
  stream: 'This procedure is not a stream: call it with call(), not stream()',
};

/**
 * The checks every incoming call and stream passes, in one order: a request that fails one is answered with the error
 * and counted as refused. `undefined` when it goes no further (refused, or a duplicate id).
 */
export function admit(
  host: ServeHost,
  peer: Peer,
  kind: ProcedureKind,
  requestId: string,
  path: string,
  timeoutMs: number,
  encodedInput: EncodedPayload,
  headers: Headers | undefined,
): Admitted | undefined {
  if (peer.serving.has(requestId)) return undefined;
  const span = host.tracing ? startServerSpan(host.tracing, host, peer, kind, path, headers) : undefined;
  const refuse = (code: RpcErrorCode, what: string): undefined => {
    if (host.metrics) {
      // Paths no router serves are counted together: a caller cannot grow the table.
      const key = host.procedures.has(path) ? path : OTHER_PROCEDURES;
      (kind === 'stream' ? host.metrics.stream(key) : host.metrics.procedure(key)).served.refused(code);
    }
    span?.end(code, what);
    const site = { path, target: host.self };
    answerError(host, peer, requestId, siteError(code, site, what), site);
    return undefined;
  };
  if (!host.admitting) return refuse('SHUTTING_DOWN', 'The serving side is shutting down');
  const def = host.procedures.get(path);
  if (!def) return refuse('NOT_FOUND', 'No such procedure');
  if ((def.stream === true) !== (kind === 'stream')) return refuse('BAD_REQUEST', WRONG_KIND[kind]);
  const input = decodePayload(encodedInput);
  if (input instanceof DecodeFailure) return refuse('BAD_REQUEST', `Input could not be decoded: ${input.detail}`);
  if (!def.input && input !== undefined) return refuse('BAD_REQUEST', 'This procedure takes no input, but one was given');
  const deadline = timeoutMs === NO_TIMEOUT ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  return { def, input, fields: { requestId, caller: peer.info, deadline, path, headers: headers ?? NO_HEADERS }, span };
}

function startServerSpan(
  tracing: Tracing,
  host: ServeHost,
  peer: Peer,
  kind: ProcedureKind,
  path: string,
  headers: Headers | undefined,
): IncomingSpan | undefined {
  const request = { kind, path, peer: peer.target, known: host.procedures.has(path) };
  return tracing.startServer(request, headers ?? NO_HEADERS);
}

/** A call or stream being served: it owns its `ctx` and signal, made on first read, and ends its bookkeeping once. */
export abstract class ServedRequest implements SignalOwner, ServedHandle {
  protected readonly host: ServeHost;
  protected readonly peer: Peer;
  protected readonly def: ProcedureDef;
  protected readonly fields: RequestFields;
  protected readonly span: IncomingSpan | undefined;
  protected abortReason: Error | undefined = undefined;
  /** Answered, failed or aborted. */
  protected released = false;
  /** `startedAt` is on the meter's clock. */
  protected meter: CallMeter | undefined = undefined;
  protected startedAt = 0;
  #listed = false;
  #ctx: ProcedureContext | undefined = undefined;
  #controller: AbortController | undefined = undefined;

  constructor(host: ServeHost, peer: Peer, admitted: Admitted) {
    this.host = host;
    this.peer = peer;
    this.def = admitted.def;
    this.fields = admitted.fields;
    this.span = admitted.span;
    host.servingStarted();
  }

  get requestId(): string {
    return this.fields.requestId;
  }

  get path(): string {
    return this.fields.path;
  }

  get signal(): AbortSignal {
    this.#controller ??= signalController(this.abortReason);
    return this.#controller.signal;
  }

  /** The caller stopped waiting or went away, or this side closes. */
  abstract abort(reason: Error): void;

  context(): ProcedureContext {
    this.#ctx ??= createContext(this, this.fields, this.host.api);
    return this.#ctx;
  }

  protected abortSignal(reason: Error): void {
    this.abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** Lists it in the peer's table, where a `cancel` or a close finds it. */
  protected list(): void {
    if (this.#listed || this.released) return;
    this.#listed = true;
    this.peer.serving.set(this.fields.requestId, this);
  }

  /** Ends the bookkeeping, with the code it failed with; false when it had ended already. */
  protected release(failure: string | undefined): boolean {
    if (this.released) return false;
    this.released = true;
    this.meter?.end(this.startedAt, failure);
    this.span?.end(failure);
    if (this.#listed) this.peer.serving.delete(this.fields.requestId);
    this.host.servingEnded();
    return true;
  }

  protected site(): CallSite {
    return { path: this.fields.path, target: this.host.self };
  }

  protected inputInvalid(issues: RpcIssue[]): RpcError {
    return siteError('BAD_REQUEST', this.site(), `Input failed the input schema: ${summariseIssues(issues)}`, { issues });
  }

  protected answerError(error: RpcError): void {
    answerError(this.host, this.peer, this.fields.requestId, error, this.site());
  }

  /**
   * Tells `onError` what the procedure threw, with its stack, unless it is an `RpcError` (an answer meant for the
   * caller) or the echo of this request's own abort (a handler that honours `ctx.signal` after its caller left).
   */
  protected report(thrown: unknown, kind: 'call' | 'stream'): void {
    if (thrown instanceof RpcError || (this.abortReason !== undefined && isAbortEcho(thrown, this.abortReason))) return;
    const { path, caller } = this.fields;
    this.host.reportError(thrown, { side: this.host.self === 'primary' ? 'primary' : 'worker', kind, path, caller });
  }
}

/** True for what work stopped by an abort signal throws: the signal's reason, or an `AbortError` caused by it. */
function isAbortEcho(thrown: unknown, reason: Error): boolean {
  return thrown === reason || (thrown instanceof Error && (thrown.name === 'AbortError' || thrown.cause === reason));
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The message names `site`; `data` crosses like a result, or is left out with a note if it cannot. */
export function answerError(host: ServeHost, peer: Peer, id: string, error: RpcError, site: CallSite): void {
  const wire: { code: string; message: string; issues?: WireError['issues']; data?: EncodedPayload } = {
    code: error.code,
    message: withSite(error.message, site),
  };
  if (error.issues) wire.issues = error.issues;
  if (error.data !== undefined) {
    const data = encodePayload(error.data, 'error data', host.maxPayloadBytes);
    if (data.ok) wire.data = data.payload;
    else wire.message += ` [its data was left out: ${data.kind === 'unserializable' ? data.detail : 'too large'}]`;
  }
  peer.send(err(id, wire));
}
