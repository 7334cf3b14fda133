/**
 * The NATS subjects of one cluster, all under `crpc.<cluster>`:
 *
 * | subject                                         | who listens            | what travels |
 * | ----------------------------------------------- | ---------------------- | ------------ |
 * | `crpc.<cluster>.primary`                        | the primary (and a primary that claims the role) | `claim`, `join` |
 * | `crpc.<cluster>.workers`                        | every worker, and primaries (to spot a rival) | `here`, `leave` of the primary |
 * | `crpc.<cluster>.to.<dest>.k.<src>`              | the process whose session is `dest` | control messages from `src` |
 * | `crpc.<cluster>.to.<dest>.f.<src>`              | `dest`                 | one frame (JSON) from `src` |
 * | `crpc.<cluster>.to.<dest>.c.<src>.<n>.<i>.<count>` | `dest`              | part `i` of `count` of frame number `n` from `src` |
 *
 * A session is a random token a process takes when it (re)joins; no procedure path or event name is in a subject. @module
 */
import { nanoid } from 'nanoid';

const ROOT = 'crpc';

/** Cluster names become one subject token: no dots, wildcards or spaces. */
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** nanoid's alphabet (`A-Za-z0-9_-`), at this length. */
const SESSION_LENGTH = 16;
const SESSION = /^[A-Za-z0-9_-]{16}$/;

/** A chunk's numbers: small decimal integers. */
const NUMBER = /^(0|[1-9][0-9]{0,8})$/;

/** Checks a cluster name: one subject token. */
export function checkClusterName(value: unknown): string {
  if (typeof value !== 'string' || !CLUSTER_NAME.test(value)) {
    throw new TypeError(
      `natsTransport: cluster must be 1 to 64 letters, digits, '-' or '_' (it becomes a NATS subject token), got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/** A new session token: what a process is called on the subjects until it leaves or resets. */
export function newSession(): string {
  return nanoid(SESSION_LENGTH);
}

/** Whether `token` could be a session (anything else on our subjects is foreign). */
function isSession(token: unknown): token is string {
  return typeof token === 'string' && SESSION.test(token);
}

/** A message that arrived in a process's inbox, as its subject describes it. */
type Addressed =
  | { readonly kind: 'frame'; readonly from: string }
  | { readonly kind: 'control'; readonly from: string }
  | { readonly kind: 'chunk'; readonly from: string; readonly frame: number; readonly index: number; readonly count: number };

/** The subjects of one cluster. */
export class ClusterSubjects {
  /** Claims of would-be primaries, and joins of workers. */
  readonly primary: string;
  /** The primary's heartbeat and goodbye, for every worker. */
  readonly workers: string;
  /** Every subject of the cluster, for permissions: `crpc.<cluster>.>`. */
  readonly all: string;
  readonly #to: string;

  constructor(cluster: string) {
    const base = `${ROOT}.${cluster}`;
    this.primary = `${base}.primary`;
    this.workers = `${base}.workers`;
    this.all = `${base}.>`;
    this.#to = `${base}.to.`;
  }

  /** What the process with session `session` subscribes to. */
  inbox(session: string): string {
    return `${this.#to}${session}.>`;
  }

  frame(to: string, from: string): string {
    return `${this.#to}${to}.f.${from}`;
  }

  control(to: string, from: string): string {
    return `${this.#to}${to}.k.${from}`;
  }

  chunk(to: string, from: string, frame: number, index: number, count: number): string {
    return `${this.#to}${to}.c.${from}.${frame}.${index}.${count}`;
  }

  /** Reads a subject of `session`'s inbox; `undefined` for anything not shaped as ours. */
  parse(subject: string, session: string): Addressed | undefined {
    const prefixLength = this.#to.length + session.length + 1;
    if (subject.length < prefixLength + 3 || !subject.startsWith(this.#to) || subject[prefixLength - 1] !== '.') return;
    if (subject.slice(this.#to.length, prefixLength - 1) !== session || subject[prefixLength + 1] !== '.') return;
    const kind = subject[prefixLength];
    const rest = subject.slice(prefixLength + 2);
    if (kind === 'f') return isSession(rest) ? { kind: 'frame', from: rest } : undefined;
    if (kind === 'k') return isSession(rest) ? { kind: 'control', from: rest } : undefined;
    if (kind !== 'c') return;
    const [from, frame, index, count, extra] = rest.split('.');
    if (extra !== undefined || !isSession(from) || !isNumber(frame) || !isNumber(index) || !isNumber(count)) return;
    const parsed = { kind: 'chunk', from, frame: Number(frame), index: Number(index), count: Number(count) } as const;
    return parsed.index < parsed.count ? parsed : undefined;
  }
}

function isNumber(token: string | undefined): token is string {
  return token !== undefined && NUMBER.test(token);
}
