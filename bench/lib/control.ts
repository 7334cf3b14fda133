/**
 * How the benchmark's primary steers its workers: small request/reply messages marked `$bench`, on the same IPC channel but never
 * while a measured window is open (except the one reply that ends it). Every contender sees these messages' listener equally;
 * none sees another contender's listener, because each is attached only for its own phase.
 */
import type { Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type { ContenderName } from './contenders/types.js';
import type { DriveResult, DriveSpec } from './drive.js';
import type { HttpServerKind, HttpServerReport } from './http/servers.js';
import type { PayloadKind } from './payloads.js';
import { withTimeout } from './stats.js';
import type { StreamContender, StreamPayload } from './stream/sides.js';

/** What the primary asks a worker to do. */
export type ControlRequest =
  | { readonly op: 'open'; readonly contender: ContenderName }
  | { readonly op: 'run'; readonly payload: PayloadKind; readonly spec: DriveSpec }
  | { readonly op: 'close' }
  | { readonly op: 'stats'; readonly gc: boolean }
  | { readonly op: 'burst'; readonly calls: number; readonly concurrency: number }
  | { readonly op: 'http-open'; readonly server: HttpServerKind; readonly port: number; readonly redisPort?: number }
  | { readonly op: 'http-close' }
  | { readonly op: 'stream-open'; readonly contender: StreamContender }
  | { readonly op: 'stream-raw'; readonly payload: StreamPayload; readonly count: number }
  | { readonly op: 'stream-produced' }
  | { readonly op: 'stream-close' }
  | { readonly op: 'scrape-open'; readonly seed: number }
  | { readonly op: 'scrape-bytes'; readonly on: boolean }
  | { readonly op: 'scrape-close' }
  | { readonly op: 'exit' };

export interface ProcessStats {
  readonly pid: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** V8's heap as committed from the OS, by space (`new_space`, `old_space`, `code_space`…), in bytes. */
  readonly heapCommittedBytes: Readonly<Record<string, number>>;
  /** Memory outside V8's heap that V8 knows of (Buffers, strings handed to libuv), in bytes. */
  readonly externalBytes: number;
  /** CPU time used so far (user + system), in microseconds. */
  readonly cpuMicros: number;
  /** Times the process slept and was woken so far (Linux: voluntary context switches; -1 elsewhere). */
  readonly wakeups: number;
}

/** Voluntary context switches of this process's main thread, from /proc (Linux only). */
function voluntarySwitches(): number {
  try {
    const status = readFileSync('/proc/thread-self/status', 'utf8');
    const match = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status);
    return match?.[1] ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

export interface ControlReplies {
  open: null;
  run: DriveResult;
  close: { readonly pending: number };
  stats: ProcessStats;
  burst: { readonly errors: number; readonly ms: number; readonly pending: number };
  'http-open': null;
  'http-close': HttpServerReport;
  'stream-open': null;
  'stream-raw': null;
  'stream-produced': { readonly produced: number };
  'stream-close': { readonly pending: number; readonly produced: number };
  'scrape-open': null;
  'scrape-bytes': { readonly bytes: number };
  'scrape-close': null;
  exit: null;
}

/** How long a control request outside a measured window may take before the run is declared hung. */
export const CONTROL_TIMEOUT_MS = 30_000;

const MARKER = '$bench';

interface RequestMessage {
  readonly [MARKER]: number;
  readonly request: ControlRequest;
}

interface ReplyMessage {
  readonly [MARKER]: number;
  readonly reply?: unknown;
  readonly error?: string;
}

/** The id 0 announces a worker that listens. */
const READY_ID = 0;

function isControl(message: unknown): message is Record<typeof MARKER, number> & Record<string, unknown> {
  return typeof message === 'object' && message !== null && typeof (message as Record<string, unknown>)[MARKER] === 'number';
}

/** Current figures of this process; collects garbage first when asked and possible. */
export function processStats(gc: boolean): ProcessStats {
  if (gc) collectGarbage();
  const usage = process.memoryUsage();
  const cpu = process.cpuUsage();
  const heapCommittedBytes: Record<string, number> = {};
  for (const space of v8.getHeapSpaceStatistics()) heapCommittedBytes[space.space_name] = space.physical_space_size;
  return {
    pid: process.pid,
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapCommittedBytes,
    externalBytes: usage.external,
    cpuMicros: cpu.user + cpu.system,
    wakeups: voluntarySwitches(),
  };
}

/** Runs a full collection when Node was started with `--expose-gc`. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** True when `collectGarbage` can do anything. */
export function canCollectGarbage(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/** Worker side: serves the primary's requests with `handle`, then announces itself. */
export function serveControl(handle: (request: ControlRequest) => Promise<unknown>): void {
  process.on('message', (message: unknown) => {
    if (!isControl(message) || !('request' in message)) return;
    const id = message[MARKER];
    handle(message.request as ControlRequest).then(
      (reply) => process.send?.({ [MARKER]: id, reply: reply ?? null } satisfies ReplyMessage),
      (error: unknown) => process.send?.({ [MARKER]: id, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
  process.send?.({ [MARKER]: READY_ID, reply: null } satisfies ReplyMessage);
}

export class ControlLine {
  #nextId = READY_ID + 1;
  readonly #waiting = new Map<number, { resolve: (reply: unknown) => void; reject: (error: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(readonly worker: Worker) {
    let announce!: () => void;
    this.ready = new Promise((resolve) => {
      announce = resolve;
    });
    worker.on('message', (message: unknown) => {
      if (!isControl(message) || 'request' in message) return;
      const id = message[MARKER];
      if (id === READY_ID) return announce();
      const waiter = this.#waiting.get(id);
      if (!waiter) return;
      this.#waiting.delete(id);
      if (typeof message.error === 'string') waiter.reject(new Error(`worker ${worker.id}: ${message.error}`));
      else waiter.resolve(message.reply);
    });
    worker.on('exit', (code, signal) => {
      const error = new Error(`worker ${worker.id} exited (${signal ?? code})`);
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
    });
  }

  /** Sends `request` and resolves with the worker's reply; rejects after `timeoutMs`. */
  request<TRequest extends ControlRequest>(request: TRequest, timeoutMs: number): Promise<ControlReplies[TRequest['op']]> {
    const id = this.#nextId++;
    const answer = new Promise<ControlReplies[TRequest['op']]>((resolve, reject) => {
      this.#waiting.set(id, { resolve: (reply) => resolve(reply as ControlReplies[TRequest['op']]), reject });
      this.worker.send({ [MARKER]: id, request } satisfies RequestMessage);
    });
    const what = `worker ${this.worker.id} did not answer '${request.op}'`;
    return withTimeout(answer, timeoutMs, what).finally(() => this.#waiting.delete(id));
  }
}
