/** The one error type, its built-in codes, and the one place that turns anything thrown into an {@link RpcError}. @module */
import type { EncodeFailure } from './codec.js';

/**
 * Every error code cluster-rpc produces itself, with when it happens; a handler may throw codes of its own.
 * @example
 * ```ts
 * import { RPC_ERROR_CODES, RpcError } from 'cluster-rpc';
 * const isTimeout = (error: unknown) => error instanceof RpcError && error.code === RPC_ERROR_CODES.TIMEOUT;
 * ```
 * @group Errors
 */
export const RPC_ERROR_CODES = {
  /** The input failed the procedure's input schema, or an input arrived for a procedure that takes none. The handler never ran. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** No procedure at that path (inherited names such as `toString` never are one). */
  NOT_FOUND: 'NOT_FOUND',
  /** The handler threw something that is not an {@link RpcError}; its message is kept. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The handler's result failed the procedure's output schema. */
  OUTPUT_INVALID: 'OUTPUT_INVALID',
  /** No answer within the timeout; the serving side's `ctx.signal` aborts. */
  TIMEOUT: 'TIMEOUT',
  /** The caller's `AbortSignal` fired; the serving side's `ctx.signal` aborts. */
  ABORTED: 'ABORTED',
  /** The other process exited or its channel closed before it answered: at once, not at the timeout. */
  DISCONNECTED: 'DISCONNECTED',
  /** The serialised message exceeds `maxPayloadBytes`; checked before anything is sent. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The rpc object on either side was closed, or its process is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** The value cannot cross as it is: serialisation threw, or a function or symbol would vanish. */
  UNSERIALIZABLE: 'UNSERIALIZABLE',
} as const;

/**
 * One of the codes cluster-rpc produces itself (see {@link RPC_ERROR_CODES}).
 * @example
 * ```ts
 * import type { RpcErrorCode } from 'cluster-rpc';
 * const retryable = new Set<RpcErrorCode>(['TIMEOUT', 'DISCONNECTED', 'SHUTTING_DOWN']);
 * ```
 * @group Errors
 */
export type RpcErrorCode = keyof typeof RPC_ERROR_CODES;

/**
 * One validation issue of a `BAD_REQUEST` or `OUTPUT_INVALID` error, as the schema reported it.
 * @example
 * ```ts
 * import type { RpcIssue } from 'cluster-rpc/types';
 * const describeIssue = (issue: RpcIssue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`;
 * ```
 * @group Errors
 */
export interface RpcIssue {
  /** What is wrong, in the schema library's words. */
  readonly message: string;
  /** Object keys and array indices from the top; `[]` for the value itself. */
  readonly path: ReadonlyArray<string | number>;
}

/**
 * Options of the {@link RpcError} constructor, all optional.
 * @example
 * ```ts
 * import { RpcError } from 'cluster-rpc';
 * import type { RpcErrorOptions } from 'cluster-rpc/types';
 * const options: RpcErrorOptions<{ retryAfterMs: number }> = { data: { retryAfterMs: 500 } };
 * throw new RpcError('RATE_LIMITED', 'Too many calls', options);
 * ```
 * @group Errors
 */
export interface RpcErrorOptions<TData = unknown> {
  /** Anything the caller should receive with the error; it crosses like a result. */
  readonly data?: TData;
  /** Validation issues, for `BAD_REQUEST` and `OUTPUT_INVALID`. */
  readonly issues?: readonly RpcIssue[];
  /** The underlying error, kept in this process only. */
  readonly cause?: unknown;
}

const RPC_ERROR_BRAND = Symbol.for('cluster-rpc.RpcError');

/**
 * The error every failed call rejects with; one a handler throws, with a code of its own, reaches the caller unchanged.
 * @example
 * ```ts
 * import { procedure, RpcError } from 'cluster-rpc';
 * const findUser = procedure.handler((): { name: string } => {
 *   throw new RpcError('USER_NOT_FOUND', 'No such user', { data: { retry: false } });
 * });
 * ```
 * @group Errors
 */
export class RpcError<TData = unknown> extends Error {
  /** A built-in {@link RpcErrorCode}, or the code a handler chose. */
  readonly code: RpcErrorCode | (string & {});
  /** What the thrower attached, if anything. */
  readonly data: TData | undefined;
  /** The validation issues behind a `BAD_REQUEST` or `OUTPUT_INVALID`. */
  readonly issues: readonly RpcIssue[] | undefined;

  constructor(code: RpcErrorCode | (string & {}), message: string, options: RpcErrorOptions<TData> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.data = options.data;
    this.issues = options.issues;
  }

  /** Always `'RpcError'`, so logs and stack traces name the class. */
  override readonly name = 'RpcError';

  /** What `JSON.stringify` writes: the stack and the cause stay out. */
  toJSON(): {
    /** Always `'RpcError'`. */
    name: 'RpcError';
    /** As {@link RpcError.code}. */
    code: string;
    /** As `message`: what happened and where. */
    message: string;
    /** As {@link RpcError.data}; left out when there is none. */
    data: TData | undefined;
  } {
    return { name: 'RpcError', code: this.code, message: this.message, data: this.data };
  }

  /** By brand, not prototype: errors made by another copy of this package in the process match too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && RPC_ERROR_BRAND in value;
  }
}

Object.defineProperty(RpcError.prototype, RPC_ERROR_BRAND, { value: true });

/** Where a call went: every message names both, through {@link describeSite}. */
export interface CallSite {
  readonly path: string;
  /** The serving process: a worker id, or `'primary'`. */
  readonly target: number | 'primary';
}

/** Paths longer than this (a hostile caller's) are cut short in messages. */
const MAX_PATH_IN_MESSAGE = 120;

/** `'hits.increment' on worker 3`, `'now' on the primary`: the one spelling of a call site. */
export function describeSite(site: CallSite): string {
  const where = site.target === 'primary' ? 'the primary' : `worker ${site.target}`;
  const path = site.path.length > MAX_PATH_IN_MESSAGE ? `${site.path.slice(0, MAX_PATH_IN_MESSAGE)}…` : site.path;
  return `'${path}' on ${where}`;
}

/** The end of a message that names its call site, as {@link describeSite} spells it. */
const NAMES_A_SITE = / \('.*' on (?:the primary|worker [^ )]+)\)$/s;

/** `message` and where it happened, unless it says so already (rethrown from a call the handler made). */
export function withSite(message: string, site: CallSite): string {
  return NAMES_A_SITE.test(message) ? message : `${message} (${describeSite(site)})`;
}

/** Builds a built-in error whose message names the call site. */
export function siteError(code: RpcErrorCode, site: CallSite, what: string, options?: RpcErrorOptions): RpcError {
  return new RpcError(code, `${what} (${describeSite(site)})`, options);
}

/** The error for a value the codec refused to encode. */
export function encodeError(failure: EncodeFailure, site: CallSite, maxBytes: number): RpcError {
  if (failure.kind === 'unserializable') return siteError('UNSERIALIZABLE', site, `Cannot send: ${failure.detail}`);
  return siteError('PAYLOAD_TOO_LARGE', site, `Message of about ${failure.bytes} bytes exceeds maxPayloadBytes (${maxBytes})`);
}

/** The message of anything thrown, without trusting its shape. */
export function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  try {
    return String(thrown);
  } catch {
    return 'a value that cannot be printed';
  }
}

/** An `RpcError` stays as it is; anything else becomes `INTERNAL_ERROR` with its message. */
export function toRpcError(thrown: unknown, site: CallSite): RpcError {
  if (thrown instanceof RpcError) return thrown;
  return siteError('INTERNAL_ERROR', site, `Handler threw: ${messageOf(thrown)}`, { cause: thrown });
}
