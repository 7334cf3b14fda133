/**
 * What a connection says besides frames, and the secrets it proves itself with. A worker opens with `join`, answered by
 * `welcome` (then frames flow) or `refused` (then a close); a would-be primary finding the path taken sends a `probe`,
 * answered by `primary` and a close; a primary stepping down says `leaving`, answered by `stepped` after the last call.
 *
 * | message   | from → to          | fields |
 * | --------- | ------------------ | ------ |
 * | `join`    | worker → primary   | `v` (1), `secret` (the per-worker secret, or the token; `''` for none), `id` (the worker's cluster id; 0: give me one), `pid`, `host` |
 * | `welcome` | primary → worker   | `id` (the worker's id from now on), `pid` (the primary's) |
 * | `refused` | primary → worker   | `why` |
 * | `probe`   | primary → primary  | `v` (1) |
 * | `primary` | primary → primary  | `pid`, `host` |
 * | `leaving` | primary → worker   | (after `welcome`) |
 * | `stepped` | worker → primary   | (after `leaving`) |
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../../wire/guards.js';

/** Bumped on any incompatible change of these messages. */
export const HANDSHAKE_VERSION = 1;

/** The handshake's messages are small: a connection whose first message is larger is closed unread. */
export const HANDSHAKE_MAX_BYTES = 4096;

/** A connection that has not finished its handshake within this is closed (a peer that stalls, or a stranger). */
export const HANDSHAKE_TIMEOUT_MS = 3000;

export interface Join {
  readonly t: 'join';
  readonly v: typeof HANDSHAKE_VERSION;
  readonly secret: string;
  readonly id: number;
  readonly pid: number;
  readonly host: string;
}

export interface Welcome {
  readonly t: 'welcome';
  readonly id: number;
  readonly pid: number;
}

export interface Refused {
  readonly t: 'refused';
  readonly why: string;
}

export interface Probe {
  readonly t: 'probe';
  readonly v: typeof HANDSHAKE_VERSION;
}

export interface PrimaryHere {
  readonly t: 'primary';
  readonly pid: number;
  readonly host: string;
}

/** A primary stepping down for a successor, to a worker. */
export interface Leaving {
  readonly t: 'leaving';
}

/** The worker's answer to `leaving`: nothing new follows on this connection. */
export interface Stepped {
  readonly t: 'stepped';
}

/** What may come among the frames, once a connection is open. */
export type Control = Leaving | Stepped;

/** A control message among the frames (frames are objects marked as the rpc's; these have a `t`), or `undefined`. */
export function parseControl(value: unknown): Control | undefined {
  if (!isRecord(value)) return undefined;
  if (value.t === 'leaving') return { t: 'leaving' };
  if (value.t === 'stepped') return { t: 'stepped' };
  return undefined;
}

/** What a listening primary reads first on a connection. */
export type Opening = Join | Probe;

/** What a connecting worker reads first. */
export type Answer = Welcome | Refused;

/** The longest secret, token, host name or reason accepted in a handshake message. */
const MAX_TEXT = 1024;

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TEXT;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A `join` or `probe` of this version; `undefined` for anything else. */
export function parseOpening(value: unknown): Opening | undefined {
  if (!isRecord(value) || value.v !== HANDSHAKE_VERSION) return undefined;
  if (value.t === 'probe') return { t: 'probe', v: HANDSHAKE_VERSION };
  if (value.t !== 'join') return undefined;
  const { secret, id, pid, host } = value;
  if (!isText(secret) || !isCount(id) || !isCount(pid) || !isText(host)) return undefined;
  return { t: 'join', v: HANDSHAKE_VERSION, secret, id, pid, host };
}

/** A `welcome` or `refused`; `undefined` for anything else. */
export function parseAnswer(value: unknown): Answer | undefined {
  if (!isRecord(value)) return undefined;
  if (value.t === 'welcome' && isCount(value.id) && value.id > 0 && isCount(value.pid)) {
    return { t: 'welcome', id: value.id, pid: value.pid };
  }
  if (value.t === 'refused' && isText(value.why)) return { t: 'refused', why: value.why };
  return undefined;
}

/** A `primary` answer to a probe; `undefined` for anything else. */
export function parsePrimaryHere(value: unknown): PrimaryHere | undefined {
  if (!isRecord(value) || value.t !== 'primary' || !isCount(value.pid) || !isText(value.host)) return undefined;
  return { t: 'primary', pid: value.pid, host: value.host };
}

/** A fresh secret: 192 random bits. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares a presented secret with the expected one in time that depends on neither. */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
