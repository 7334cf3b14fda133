/** Serving one call: synchronous steps followed at once (a batch answered in one frame), by methods (no closure). @module */

import type { ProcedureContext } from '../define/context.js';
import { runMiddlewares } from '../define/middleware.js';
import type { HandlerArgs } from '../define/procedure.js';
import { summariseIssues, type Validation, validate } from '../define/schema.js';
import { encodePayload } from '../wire/codec.js';
import { encodeError, type RpcError, siteError, toRpcError } from '../wire/errors.js';
import { type CallEnvelope, ok } from '../wire/protocol.js';
import type { Peer } from './peer.js';
import { type Admitted, admit, isThenable, NO_INPUT, ServedRequest, type ServeHost } from './serving.js';

/** A handler's arguments, its `ctx` made on first read. */
class LazyHandlerArgs implements HandlerArgs<unknown> {
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

/** Listed in the peer's `serving` table once it waits: one answered synchronously is over before a cancel comes. */
class ServedCall extends ServedRequest {
  constructor(host: ServeHost, peer: Peer, admitted: Admitted) {
    super(host, peer, admitted);
    this.meter = host.metrics?.procedure(admitted.fields.path).served;
    if (this.meter) this.startedAt = this.meter.start(host.frameArrivedAt);
  }

  /** The call stops counting as served at once, even if its handler never returns; its result is dropped. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortSignal(reason);
    const { code } = reason as { code?: unknown };
    this.release(typeof code === 'string' ? code : 'ABORTED');
  }

  start(input: unknown): void {
    try {
      this.#then(this.def.input ? validate(this.def.input, input) : NO_INPUT, this.#afterInput);
    } catch (thrown) {
      this.#fail(thrown);
    }
  }

  #afterInput(validation: Validation): void {
    if (validation.issues) return this.#answerError(this.inputInvalid(validation.issues));
    if (this.def.middlewares.length > 0) {
      const input = validation.value;
      const chain = runMiddlewares(this.def.middlewares, this.path, input, this.context(), (ctx) =>
        this.#handleValidated(input, ctx),
      );
      return this.#then(chain, this.#answer);
    }
    let result: unknown;
    try {
      result = this.def.handler(new LazyHandlerArgs(this, validation.value));
    } catch (thrown) {
      return this.#fail(thrown);
    }
    this.#then(result, this.#afterHandler);
  }

  /** The end of a middleware chain: the handler, then the output schema. */
  async #handleValidated(input: unknown, ctx: ProcedureContext): Promise<unknown> {
    const result = await this.def.handler({ input, ctx });
    if (!this.def.output) return result;
    const validation = await validate(this.def.output, result);
    if (!validation.issues) return validation.value;
    throw this.#outputInvalid(validation.issues);
  }

  #afterHandler(result: unknown): void {
    if (!this.def.output) return this.#answer(result);
    this.#then(validate(this.def.output, result), this.#afterOutput);
  }

  #afterOutput(validation: Validation): void {
    if (validation.issues) return this.#answerError(this.#outputInvalid(validation.issues));
    this.#answer(validation.value);
  }

  #outputInvalid(issues: NonNullable<Validation['issues']>): RpcError {
    const what = `Handler result failed the output schema: ${summariseIssues(issues)}`;
    return siteError('OUTPUT_INVALID', this.site(), what, { issues });
  }

  #answer(result: unknown): void {
    const encoded = encodePayload(result, 'result', this.host.maxPayloadBytes);
    if (!encoded.ok) return this.#answerError(encodeError(encoded, this.site(), this.host.maxPayloadBytes));
    if (this.release(undefined)) this.peer.send(ok(this.requestId, encoded.payload), encoded.bytes);
  }

  /** Continues with `value` now, or once it settles if it is a promise. */
  #then<T>(value: T | PromiseLike<T>, next: (this: ServedCall, value: T) => void): void {
    if (!isThenable(value)) return next.call(this, value);
    this.list();
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
    this.report(thrown, 'call');
    this.#answerError(toRpcError(thrown, this.site()));
  }

  #answerError(error: RpcError): void {
    if (this.release(error.code)) this.answerError(error);
  }
}

/** Serves `envelope` from `peer`. Never throws; every outcome answers the caller unless it gave up. */
export function serveCall(host: ServeHost, peer: Peer, [, id, path, timeoutMs, input, headers]: CallEnvelope): void {
  const admitted = admit(host, peer, 'call', id, path, timeoutMs, input, headers);
  if (!admitted) return;
  const served = new ServedCall(host, peer, admitted);
  // Traced: its span is active while the middlewares and the handler run, and in what they continue.
  if (admitted.span) admitted.span.run(served.start, served, admitted.input);
  else served.start(admitted.input);
}
