/** Counting in one process: calls and streams per procedure and side, events per name, workers joining and leaving. @module */
import type { CallCounts, EventCounts, InFlight, LatencyCounts, OpenStreams, StreamCounts, WorkerLifecycle } from './types.js';
import { LATENCY_BUCKETS_SECONDS } from './types.js';

/** Paths beyond this many are counted under {@link OTHER_PROCEDURES}, so a caller inventing paths cannot grow the table without bound. */
const MAX_PROCEDURES = 1000;
/** Event names beyond this many are counted under {@link OTHER_PROCEDURES} likewise. */
const MAX_EVENTS = 1000;
/** The label of calls to paths no router serves, and of paths past {@link MAX_PROCEDURES}. */
export const OTHER_PROCEDURES = '(other)';

/**
 * The reserved procedure every side serves for gathers (not counted); no router path starts with a dot (keys are non-empty).
 */
export const METRICS_PATH = '.cluster-rpc.metrics';

const BUCKET_COUNT = LATENCY_BUCKETS_SECONDS.length + 1;

/** The bucket of a latency in seconds: the first bound it does not exceed, or the last (`+Inf`). */
function bucketOf(seconds: number): number {
  for (let index = 0; index < LATENCY_BUCKETS_SECONDS.length; index++) {
    if (seconds <= (LATENCY_BUCKETS_SECONDS[index] as number)) return index;
  }
  return LATENCY_BUCKETS_SECONDS.length;
}

/** One procedure on one side (served or made) in this process. */
export class CallMeter {
  inFlight = 0;
  calls = 0;
  /** By code; null prototype, so a handler's code such as `constructor` is just a key. */
  readonly failures: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly buckets: number[] = new Array<number>(BUCKET_COUNT).fill(0);
  sumSeconds = 0;

  /** A call began, now or at `at` (when its frame arrived); returns its start. */
  start(at?: number): number {
    this.inFlight++;
    return at ?? performance.now();
  }

  /** A call that began at `startedAt` ended, now or at `at`: with `code` when it failed. */
  end(startedAt: number, code: string | undefined, at?: number): void {
    const seconds = ((at ?? performance.now()) - startedAt) / 1000;
    this.inFlight--;
    this.#record(seconds, code);
  }

  /** A call that ended without starting here (refused before it was sent or served). */
  refused(code: string): void {
    this.#record(0, code);
  }

  #record(seconds: number, code: string | undefined): void {
    this.calls++;
    if (code !== undefined) this.failures[code] = (this.failures[code] ?? 0) + 1;
    this.sumSeconds += seconds;
    (this.buckets[bucketOf(seconds)] as number)++;
  }
}

/** One stream procedure on one side: a call's counters (`calls` are the streams that ended), and what only streams have. */
export class StreamMeter extends CallMeter {
  started = 0;
  items = 0;

  override start(at?: number): number {
    this.started++;
    return super.start(at);
  }
}

interface Meters<TMeter> {
  readonly served: TMeter;
  readonly made: TMeter;
}

/** What one process counted, as it crosses the channel to the primary. */
export interface CountsSnapshot {
  readonly calls: CallCounts[];
  readonly inFlight: InFlight[];
  readonly streams: StreamCounts[];
  readonly openStreams: OpenStreams[];
  readonly events: EventCounts[];
  readonly workers: WorkerLifecycle;
}

export class MetricsRecorder {
  readonly #procedures = new Map<string, Meters<CallMeter>>();
  readonly #streams = new Map<string, Meters<StreamMeter>>();
  readonly #events = new Map<string, { sent: number; received: number }>();
  #joins = 0;
  #exits = 0;
  #restarts = 0;
  /** Exits not yet paired with a later join: a join after one is a restart. */
  #unpairedExits = 0;

  procedure(path: string): Meters<CallMeter> {
    return this.#procedures.get(path) ?? metersOf(this.#procedures, path, () => new CallMeter());
  }

  stream(path: string): Meters<StreamMeter> {
    return this.#streams.get(path) ?? metersOf(this.#streams, path, () => new StreamMeter());
  }

  #event(name: string): { sent: number; received: number } {
    let counts = this.#events.get(name);
    if (!counts) {
      const key = this.#events.size < MAX_EVENTS ? name : OTHER_PROCEDURES;
      counts = this.#events.get(key) ?? { sent: 0, received: 0 };
      this.#events.set(key, counts);
    }
    return counts;
  }

  eventSent(name: string): void {
    this.#event(name).sent++;
  }

  eventReceived(name: string): void {
    this.#event(name).received++;
  }

  /** A worker joined (primary only). */
  workerJoined(): void {
    this.#joins++;
    if (this.#unpairedExits > 0) {
      this.#unpairedExits--;
      this.#restarts++;
    }
  }

  /** A worker exited or its channel closed (primary only). */
  workerLeft(): void {
    this.#exits++;
    this.#unpairedExits++;
  }

  snapshot(): CountsSnapshot {
    const calls: CallCounts[] = [];
    const inFlight: InFlight[] = [];
    for (const [procedure, meters] of this.#procedures) {
      if (procedure === METRICS_PATH) continue;
      for (const side of ['served', 'made'] as const) {
        const meter = meters[side];
        if (meter.calls > 0) {
          const latency: LatencyCounts = { counts: [...meter.buckets], sumSeconds: meter.sumSeconds };
          calls.push({ procedure, side, calls: meter.calls, failures: { ...meter.failures }, latency });
        }
        if (meter.inFlight > 0) inFlight.push({ procedure, side, calls: meter.inFlight });
      }
    }
    const streams: StreamCounts[] = [];
    const openStreams: OpenStreams[] = [];
    for (const [procedure, meters] of this.#streams) {
      for (const side of ['served', 'made'] as const) {
        const meter = meters[side];
        if (meter.calls > 0 || meter.started > 0) {
          const duration: LatencyCounts = { counts: [...meter.buckets], sumSeconds: meter.sumSeconds };
          const { started, calls: ended, items } = meter;
          streams.push({ procedure, side, started, ended, items, failures: { ...meter.failures }, duration });
        }
        if (meter.inFlight > 0) openStreams.push({ procedure, side, streams: meter.inFlight });
      }
    }
    const events: EventCounts[] = [];
    for (const [event, counts] of this.#events) events.push({ event, sent: counts.sent, received: counts.received });
    const workers = { joins: this.#joins, exits: this.#exits, restarts: this.#restarts };
    return { calls, inFlight, streams, openStreams, events, workers };
  }
}

/** The meters of `path` in `table`: paths past {@link MAX_PROCEDURES} share {@link OTHER_PROCEDURES}'. */
function metersOf<TMeter>(table: Map<string, Meters<TMeter>>, path: string, make: () => TMeter): Meters<TMeter> {
  const key = table.size < MAX_PROCEDURES ? path : OTHER_PROCEDURES;
  let meters = table.get(key);
  if (!meters) {
    meters = { served: make(), made: make() };
    table.set(key, meters);
  }
  return meters;
}
