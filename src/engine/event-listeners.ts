/** Events on one side: listeners by name, payloads validated both ways, a throwing listener isolated. @module */

import { type Schema, summariseIssues, type Validation, validate } from '../define/schema.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { PeerInfo } from '../transports/transport.js';
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from '../wire/codec.js';
import { debug } from '../wire/debug.js';
import { RpcError } from '../wire/errors.js';
import type { Headers } from '../wire/headers.js';
import { endWithError } from './traced.js';
import type { IncomingSpan, Tracing } from './tracing.js';

/** What every side's event meta holds. */
export interface EventMetaBase {
  readonly headers: Headers;
}

/** A listener as stored; the public types narrow the payload and meta. */
export type Listener<TMeta> = (payload: unknown, meta: TMeta) => unknown;

type ListenerErrorReporter = (error: unknown, event: string, sender: PeerInfo) => void;

export class EventListeners<TMeta extends EventMetaBase> {
  readonly #listeners = new Map<string, Set<Listener<TMeta>>>();

  constructor(
    private readonly schemas: ReadonlyMap<string, Schema>,
    private readonly reportListenerError: ListenerErrorReporter,
    private readonly recorder?: MetricsRecorder,
    private readonly tracing?: Tracing,
  ) {}

  on(name: string, listener: Listener<TMeta>): () => void {
    this.#schema(name, (message) => new TypeError(message));
    if (typeof listener !== 'function') throw new TypeError(`The listener for event '${name}' must be a function`);
    let listeners = this.#listeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(name, listeners);
    }
    // A wrapper per subscription, so adding the same function twice needs two unsubscribes.
    const entry: Listener<TMeta> = (payload, meta) => listener(payload, meta);
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
    };
  }

  clear(): void {
    this.#listeners.clear();
  }

  /** A promise only for an async schema; throws `BAD_REQUEST`, `UNSERIALIZABLE` or `PAYLOAD_TOO_LARGE`. */
  encode(name: string, payload: unknown, maxBytes: number): EncodedPayload | Promise<EncodedPayload> {
    const schema = this.#schema(name, (message) => new RpcError('BAD_REQUEST', message));
    const validation = validate(schema, payload);
    if (validation instanceof Promise)
      return validation.then((settled) => this.#sent(name, encodeValidated(name, payload, settled, maxBytes)));
    return this.#sent(name, encodeValidated(name, payload, validation, maxBytes));
  }

  #sent(name: string, encoded: EncodedPayload): EncodedPayload {
    this.recorder?.eventSent(name);
    return encoded;
  }

  /** Hands a valid payload to the listeners, after `onValid`; an unknown event or invalid payload is dropped. */
  receive(name: string, payload: EncodedPayload, meta: TMeta, sender: PeerInfo, onValid?: () => void): void {
    const schema = this.schemas.get(name);
    if (!schema) return debug(() => `dropped event '${name}': not defined on this side`);
    const decoded = decodePayload(payload);
    if (decoded instanceof DecodeFailure)
      return debug(() => `dropped event '${name}': payload could not be decoded: ${decoded.detail}`);
    try {
      const validation = validate(schema, decoded);
      if (validation instanceof Promise)
        validation.then(
          (settled) => this.#deliver(name, settled, meta, sender, onValid),
          (error) => this.reportListenerError(error, name, sender),
        );
      else this.#deliver(name, validation, meta, sender, onValid);
    } catch (error) {
      debug(() => `dropped event '${name}': its schema threw: ${String(error)}`);
    }
  }

  #deliver(name: string, validation: Validation, meta: TMeta, sender: PeerInfo, onValid: (() => void) | undefined): void {
    if (validation.issues) return debug(() => `dropped event '${name}': ${summariseIssues(validation.issues)}`);
    this.recorder?.eventReceived(name);
    const span = this.tracing?.startConsumer({ operation: 'receive', name }, meta.headers);
    if (span) return span.run(this.#deliverTraced, this, span, name, validation.value, meta, sender, onValid);
    onValid?.();
    const listeners = this.#listeners.get(name);
    if (listeners) for (const listener of listeners) this.#call(listener, name, validation.value, meta, sender);
  }

  /** The span is active while the listeners run, and ends once they all returned or settled. */
  #deliverTraced(
    span: IncomingSpan,
    name: string,
    payload: unknown,
    meta: TMeta,
    sender: PeerInfo,
    onValid: (() => void) | undefined,
  ): void {
    onValid?.();
    let failure: unknown;
    let failed = false;
    const waiting: Array<Promise<unknown>> = [];
    const listeners = this.#listeners.get(name);
    if (listeners) {
      for (const listener of listeners) {
        const outcome = this.#call(listener, name, payload, meta, sender);
        if (outcome instanceof Promise) waiting.push(outcome);
        else if (outcome !== undefined && !failed) [failed, failure] = [true, outcome.error];
      }
    }
    const end = (): void => (failed ? endWithError(span, failure) : span.end());
    if (waiting.length === 0) return end();
    void Promise.all(waiting).then((outcomes) => {
      for (const outcome of outcomes) if (outcome !== undefined && !failed) [failed, failure] = [true, (outcome as Thrown).error];
      end();
    });
  }

  /** What the listener throws or rejects with goes to the reporter, and is returned for a traced delivery. */
  #call(
    listener: Listener<TMeta>,
    name: string,
    payload: unknown,
    meta: TMeta,
    sender: PeerInfo,
  ): Thrown | Promise<Thrown | undefined> | undefined {
    try {
      const result = listener(payload, meta);
      if (result instanceof Promise)
        return result.then(
          () => undefined,
          (error: unknown) => {
            this.reportListenerError(error, name, sender);
            return { error };
          },
        );
    } catch (error) {
      this.reportListenerError(error, name, sender);
      return { error };
    }
    return undefined;
  }

  #schema(name: string, fail: (message: string) => Error): Schema {
    const schema = typeof name === 'string' ? this.schemas.get(name) : undefined;
    if (schema) return schema;
    const known = [...this.schemas.keys()].map((known) => `'${known}'`).join(', ') || 'none';
    throw fail(`Unknown event '${String(name)}'; defineEvents has ${known}`);
  }
}

/** What a listener threw, boxed: it may be any value, `undefined` included. */
interface Thrown {
  readonly error: unknown;
}

function encodeValidated(name: string, payload: unknown, validation: Validation, maxBytes: number): EncodedPayload {
  if (validation.issues) {
    const summary = summariseIssues(validation.issues);
    throw new RpcError('BAD_REQUEST', `Payload of event '${name}' failed its schema: ${summary}`, { issues: validation.issues });
  }
  // The payload as given travels, not the schema's output: the receiver parses it again.
  const encoded = encodePayload(payload, 'payload', maxBytes);
  if (encoded.ok) return encoded.payload;
  if (encoded.kind === 'unserializable')
    throw new RpcError('UNSERIALIZABLE', `Event '${name}' cannot be sent: ${encoded.detail}`);
  throw new RpcError('PAYLOAD_TOO_LARGE', `Event '${name}' is about ${encoded.bytes} bytes, over maxPayloadBytes (${maxBytes})`);
}
