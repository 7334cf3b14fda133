/**
 * THE wire protocol: every message cluster-rpc sends, and the one gate every incoming message passes through.
 *
 * A frame is `{ $crpc: 2, m: [envelope, …] }` on every transport: `$crpc` marks it as ours and is the protocol
 * version; anything else on the channel (Node's `NODE_…` messages, PM2's strings, `null`) is left alone. Envelopes
 * queued in one turn of the event loop share a frame. Envelopes are tuples, tagged by their first element:
 *
 * | kind     | direction          | fields                                  | meaning |
 * | -------- | ------------------ | --------------------------------------- | ------- |
 * | `hello`  | both               | `reply` (0 or 1)                        | this side's rpc object listens; a `hello` with `reply: 0` is answered by one with `reply: 1` |
 * | `bye`    | both               | —                                       | this side's rpc object closed; calls to it fail with `SHUTTING_DOWN` |
 * | `call`   | both               | `id`, `path`, `timeoutMs` (-1: none), `input`, `headers`? | run the procedure at `path` |
 * | `ok`     | both               | `id`, `result`                          | the call `id` succeeded |
 * | `err`    | both               | `id`, `error` ({@link WireError})       | the call `id` failed |
 * | `cancel` | both               | `id`, `code` (`TIMEOUT` or `ABORTED`)   | the caller stopped waiting for `id`; abort its `ctx.signal` |
 * | `emit`   | worker → primary   | `name`, `payload`, `headers`?           | an event for the primary's listeners |
 * | `bcast`  | worker → primary   | `name`, `payload`, `headers`?           | an event for the primary's listeners and every other worker |
 * | `event`  | primary → worker   | `name`, `fromWorkerId` (0: the primary), `fromPid`, `payload`, `fromHost` ('' from the primary), `headers`? | an event for the worker's listeners |
 * | `open`   | both               | `id`, `path`, `deadlineMs` (-1: none), `credit`, `input`, `headers`? | run the stream procedure at `path`; send at most `credit` items before more is granted |
 * | `items`  | both               | `id`, `items` (1 to {@link MAX_CREDIT} payloads) | the next items of stream `id`, in order |
 * | `end`    | both               | `id`                                    | stream `id` has no more items |
 * | `credit` | both               | `id`, `n` (1 to {@link MAX_CREDIT})     | the consumer of stream `id` read `n` more items: the producer may send `n` more |
 *
 * A stream shares the id space of calls: `err` ends stream `id` with an error (after the items sent before it), and `cancel`
 * from its consumer stops it. The producer never holds more credit than the `open` granted, whatever `credit` envelopes say.
 *
 * `input`, `result`, `payload`, items and error `data` are {@link EncodedPayload}s;
 * `headers` (left out when empty) a plain object of strings, at most 8 KiB. @module
 */
import type { EncodedPayload } from './codec.js';
import type { RpcIssue } from './errors.js';
import { type Headers, isWireHeaders } from './headers.js';

/** Bumped on any incompatible change; frames of another version are dropped. */
export const PROTOCOL_VERSION = 2;

/** The key that marks a frame as cluster-rpc's. */
const MARKER = '$crpc';

/** Ids are nanoids (21 characters); anything much longer is not ours. */
const MAX_ID_LENGTH = 64;

/** An {@link RpcError} as it crosses the channel. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly issues?: readonly RpcIssue[];
  readonly data?: EncodedPayload;
}

export type HelloEnvelope = readonly ['hello', reply: 0 | 1];
export type ByeEnvelope = readonly ['bye'];
export type CallEnvelope = readonly [
  'call',
  id: string,
  path: string,
  timeoutMs: number,
  input: EncodedPayload,
  headers?: Headers,
];
export type OkEnvelope = readonly ['ok', id: string, result: EncodedPayload];
export type ErrEnvelope = readonly ['err', id: string, error: WireError];
export type CancelEnvelope = readonly ['cancel', id: string, code: CancelCode];
export type EmitEnvelope = readonly ['emit', name: string, payload: EncodedPayload, headers?: Headers];
export type BroadcastEnvelope = readonly ['bcast', name: string, payload: EncodedPayload, headers?: Headers];
export type EventEnvelope = readonly [
  'event',
  name: string,
  fromWorkerId: number,
  fromPid: number,
  payload: EncodedPayload,
  fromHost: string,
  headers?: Headers,
];

export type OpenEnvelope = readonly [
  'open',
  id: string,
  path: string,
  deadlineMs: number,
  credit: number,
  input: EncodedPayload,
  headers?: Headers,
];
export type ItemsEnvelope = readonly ['items', id: string, items: readonly EncodedPayload[]];
export type EndEnvelope = readonly ['end', id: string];
export type CreditEnvelope = readonly ['credit', id: string, n: number];

export type CancelCode = 'TIMEOUT' | 'ABORTED';

export type Envelope =
  | HelloEnvelope
  | ByeEnvelope
  | CallEnvelope
  | OkEnvelope
  | ErrEnvelope
  | CancelEnvelope
  | EmitEnvelope
  | BroadcastEnvelope
  | EventEnvelope
  | OpenEnvelope
  | ItemsEnvelope
  | EndEnvelope
  | CreditEnvelope;

/**
 * What a transport carries: one message of the wire protocol, which JSON carries as it is.
 * @example
 * ```ts
 * import type { Frame } from 'cluster-rpc/transport';
 * const line = (frame: Frame): string => `${JSON.stringify(frame)}\n`; // a frame a line over a byte stream
 * ```
 */
export interface Frame {
  /** Marks the message as cluster-rpc's; the value is the protocol version. */
  readonly [MARKER]: typeof PROTOCOL_VERSION;
  /** The envelopes, in the order they were sent. */
  readonly m: readonly Envelope[];
}

export const NO_TIMEOUT = -1;

/** The most credit a stream may hold (its largest `highWaterMark`), and the most items one envelope carries. */
export const MAX_CREDIT = 65_536;

export const hello = (reply: 0 | 1): HelloEnvelope => ['hello', reply];
export const bye = (): ByeEnvelope => ['bye'];
export const call = (id: string, path: string, timeoutMs: number, input: EncodedPayload, headers?: Headers): CallEnvelope =>
  headers ? ['call', id, path, timeoutMs, input, headers] : ['call', id, path, timeoutMs, input];
export const ok = (id: string, result: EncodedPayload): OkEnvelope => ['ok', id, result];
export const err = (id: string, error: WireError): ErrEnvelope => ['err', id, error];
export const cancel = (id: string, code: CancelCode): CancelEnvelope => ['cancel', id, code];
export const emit = (name: string, payload: EncodedPayload, headers?: Headers): EmitEnvelope =>
  headers ? ['emit', name, payload, headers] : ['emit', name, payload];
export const broadcast = (name: string, payload: EncodedPayload, headers?: Headers): BroadcastEnvelope =>
  headers ? ['bcast', name, payload, headers] : ['bcast', name, payload];
export const event = (
  name: string,
  fromWorkerId: number,
  fromPid: number,
  payload: EncodedPayload,
  fromHost: string,
  headers?: Headers,
): EventEnvelope =>
  headers
    ? ['event', name, fromWorkerId, fromPid, payload, fromHost, headers]
    : ['event', name, fromWorkerId, fromPid, payload, fromHost];
export const open = (
  id: string,
  path: string,
  deadlineMs: number,
  credit: number,
  input: EncodedPayload,
  headers?: Headers,
): OpenEnvelope =>
  headers ? ['open', id, path, deadlineMs, credit, input, headers] : ['open', id, path, deadlineMs, credit, input];
export const items = (id: string, payloads: readonly EncodedPayload[]): ItemsEnvelope => ['items', id, payloads];
export const end = (id: string): EndEnvelope => ['end', id];
export const credit = (id: string, n: number): CreditEnvelope => ['credit', id, n];

export function frame(envelopes: readonly Envelope[]): Frame {
  return { [MARKER]: PROTOCOL_VERSION, m: envelopes };
}

export type ParsedFrame =
  /** Not ours: leave it to whoever else listens. */
  | { readonly kind: 'foreign' }
  /** Ours but unusable as a whole (wrong version, no envelope list). */
  | { readonly kind: 'malformed'; readonly reason: string }
  /** Ours: the envelopes that passed the gate, and how many did not. */
  | { readonly kind: 'frame'; readonly envelopes: Envelope[]; readonly dropped: number };

/**
 * The gate of every incoming message: tells ours from foreign, keeps only envelopes whose fields all type-check. Never throws.
 */
export function parseFrame(message: unknown): ParsedFrame {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, MARKER)) return { kind: 'foreign' };
  const version = (message as Record<string, unknown>)[MARKER];
  if (version !== PROTOCOL_VERSION)
    // Not String(version): a peer's `{ "toString": 0 }` would make that throw, and this gate must not.
    return { kind: 'malformed', reason: `protocol version ${describeVersion(version)}, expected ${PROTOCOL_VERSION}` };
  const list = (message as Record<string, unknown>).m;
  if (!Array.isArray(list)) return { kind: 'malformed', reason: 'no envelope list' };
  // The usual frame passes whole and is used as it is; a copy is made only to leave envelopes out.
  let index = 0;
  while (index < list.length && isEnvelope(list[index])) index++;
  if (index === list.length) return { kind: 'frame', envelopes: list as Envelope[], dropped: 0 };
  // The ones before `index` passed already; check only the rest.
  const envelopes = list.slice(0, index) as Envelope[];
  for (let rest = index + 1; rest < list.length; rest++) {
    const candidate: unknown = list[rest];
    if (isEnvelope(candidate)) envelopes.push(candidate);
  }
  return { kind: 'frame', envelopes, dropped: list.length - envelopes.length };
}

function describeVersion(version: unknown): string {
  return typeof version === 'number' ? String(version) : typeof version;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isPayload(value: unknown): value is EncodedPayload {
  return Array.isArray(value) && value.length <= 2;
}

function isTimeout(value: unknown): value is number {
  return typeof value === 'number' && (value === NO_TIMEOUT || value >= 0);
}

function isCredit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CREDIT;
}

function isItems(value: unknown): value is readonly EncodedPayload[] {
  return Array.isArray(value) && value.length > 0 && value.length <= MAX_CREDIT && value.every(isPayload);
}

function isWorkerId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isIssue(value: unknown): value is RpcIssue {
  if (typeof value !== 'object' || value === null) return false;
  const { message, path } = value as Record<string, unknown>;
  return (
    typeof message === 'string' &&
    Array.isArray(path) &&
    path.every((segment) => typeof segment === 'string' || typeof segment === 'number')
  );
}

function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { code, message, issues, data } = value as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    typeof message === 'string' &&
    (issues === undefined || (Array.isArray(issues) && issues.every(isIssue))) &&
    (data === undefined || isPayload(data))
  );
}

/** An envelope of `length` fields, or `length + 1` whose last is its headers. */
function hasHeadersAt(value: readonly unknown[], length: number): boolean {
  return value.length === length || (value.length === length + 1 && isWireHeaders(value[length]));
}

function isEnvelope(value: unknown): value is Envelope {
  if (!Array.isArray(value)) return false;
  const kind: unknown = value[0];
  switch (kind) {
    case 'hello':
      return value.length === 2 && (value[1] === 0 || value[1] === 1);
    case 'bye':
      return value.length === 1;
    case 'call':
      return (
        hasHeadersAt(value, 5) && isId(value[1]) && typeof value[2] === 'string' && isTimeout(value[3]) && isPayload(value[4])
      );
    case 'ok':
      return value.length === 3 && isId(value[1]) && isPayload(value[2]);
    case 'err':
      return value.length === 3 && isId(value[1]) && isWireError(value[2]);
    case 'cancel':
      return value.length === 3 && isId(value[1]) && (value[2] === 'TIMEOUT' || value[2] === 'ABORTED');
    case 'emit':
    case 'bcast':
      return hasHeadersAt(value, 3) && typeof value[1] === 'string' && isPayload(value[2]);
    case 'event':
      return (
        hasHeadersAt(value, 6) &&
        typeof value[1] === 'string' &&
        isWorkerId(value[2]) &&
        isWorkerId(value[3]) &&
        isPayload(value[4]) &&
        typeof value[5] === 'string'
      );
    case 'open':
      return (
        hasHeadersAt(value, 6) &&
        isId(value[1]) &&
        typeof value[2] === 'string' &&
        isTimeout(value[3]) &&
        isCredit(value[4]) &&
        isPayload(value[5])
      );
    case 'items':
      return value.length === 3 && isId(value[1]) && isItems(value[2]);
    case 'end':
      return value.length === 2 && isId(value[1]);
    case 'credit':
      return value.length === 3 && isId(value[1]) && isCredit(value[2]);
    default:
      return false;
  }
}
