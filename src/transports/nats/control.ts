/**
 * The NATS transport's own messages (who is primary, who joins, who is alive), beside the frames: JSON objects with `v`
 * (this table's version) and `t`. The sender's session is in the subject of a message to one process, else in the message.
 *
 * | `t`       | subject                       | from → to                   | fields                         | meaning |
 * | --------- | ----------------------------- | --------------------------- | ------------------------------ | ------- |
 * | `claim`   | `…primary`                    | would-be primary → primaries | `s`, `pid`, `host`, `since`   | I mean to be the primary; anyone who is (or also claims) answers `rival` |
 * | `rival`   | `…to.<claimant>.k.<s>`        | primary → would-be primary  | `active`, `pid`, `host`, `since` | I am the primary (`active`) or claim it too; the earlier claim wins |
 * | `join`    | `…primary`                    | worker → primary            | `s`, `j`, `pid`, `host`        | let me in; `j` names this attempt, so a repeated join gets the same answer |
 * | `welcome` | `…to.<worker>.k.<primary>`    | primary → worker            | `id`, `j`                      | you are worker `id` (for the attempt `j`); the worker's first message back makes it a peer |
 * | `here`    | `…workers`                    | primary → workers           | `s`, `pid`, `host`, `since`    | the primary is alive (every beat); a worker without a primary joins |
 * | `hb`      | `…to.<primary>.k.<worker>`    | worker → primary            | —                              | the worker is alive (every beat) |
 * | `unknown` | `…to.<worker>.k.<primary>`    | primary → worker            | —                              | answer to an `hb` from a worker the primary has dropped: join again |
 * | `leave`   | `…workers`, or `…to.<peer>.k.<s>` | either                  | `s`                            | session `s` is gone (its rpc closed, or it lost its connection and took a new session) | @module
 */

/** Bumped on any incompatible change; messages of another version are ignored. */
const CONTROL_VERSION = 1;

/** Hostnames are at most 253 characters; anything longer is not ours. */
const MAX_TEXT_LENGTH = 255;

/** Who a process is, as its peers show it. */
export interface Identity {
  readonly pid: number;
  readonly host: string;
}

type Claim = Identity & { readonly t: 'claim'; readonly s: string; readonly since: number };
export type Rival = Identity & { readonly t: 'rival'; readonly active: boolean; readonly since: number };
export type Join = Identity & { readonly t: 'join'; readonly s: string; readonly j: string };
export type Welcome = { readonly t: 'welcome'; readonly id: number; readonly j: string };
type Here = Identity & { readonly t: 'here'; readonly s: string; readonly since: number };
type Beat = { readonly t: 'hb' };
export type Unknown = { readonly t: 'unknown' };
export type Leave = { readonly t: 'leave'; readonly s: string };

export type Control = Claim | Rival | Join | Welcome | Here | Beat | Unknown | Leave;

export function encodeControl(control: Control): Uint8Array {
  return Buffer.from(JSON.stringify({ v: CONTROL_VERSION, ...control }));
}

/** The gate every control message passes: `undefined` for anything that is not one. Never throws. */
export function parseControl(data: Uint8Array): Control | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const message = value as Record<string, unknown>;
  if (message.v !== CONTROL_VERSION) return;
  switch (message.t) {
    case 'claim':
      return isText(message.s) && isIdentity(message) && isTime(message.since) ? (value as Claim) : undefined;
    case 'rival':
      return typeof message.active === 'boolean' && isIdentity(message) && isTime(message.since) ? (value as Rival) : undefined;
    case 'join':
      return isText(message.s) && isText(message.j) && isIdentity(message) ? (value as Join) : undefined;
    case 'welcome':
      return Number.isSafeInteger(message.id) && (message.id as number) > 0 && isText(message.j) ? (value as Welcome) : undefined;
    case 'here':
      return isText(message.s) && isIdentity(message) && isTime(message.since) ? (value as Here) : undefined;
    case 'hb':
    case 'unknown':
      return value as Beat | Unknown;
    case 'leave':
      return isText(message.s) ? (value as Leave) : undefined;
    default:
      return;
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT_LENGTH;
}

function isIdentity(message: Record<string, unknown>): boolean {
  return (
    Number.isSafeInteger(message.pid) &&
    (message.pid as number) >= 0 &&
    typeof message.host === 'string' &&
    message.host.length <= MAX_TEXT_LENGTH
  );
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Whether the claim (`since`, `session`) came before the other: the earlier claim wins a tie between primaries. */
export function claimedEarlier(since: number, session: string, otherSince: number, otherSession: string): boolean {
  return since !== otherSince ? since < otherSince : session < otherSession;
}
