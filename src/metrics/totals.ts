/** Adding cluster-rpc's own counters of several processes; gauges stay per process. @module */
import type { CountsSnapshot } from './recorder.js';
import {
  type CallCounts,
  type EventCounts,
  LATENCY_BUCKETS_SECONDS,
  type LatencyCounts,
  type MetricsTotals,
  type StreamCounts,
} from './types.js';

interface CallSum {
  readonly procedure: string;
  readonly side: 'served' | 'made';
  calls: number;
  readonly failures: Record<string, number>;
  readonly counts: number[];
  sumSeconds: number;
}

interface StreamSum extends CallSum {
  started: number;
  items: number;
}

/** The running sum of `side`'s `procedure` in `table`, made on first use. */
function sumOf<TSum extends CallSum>(
  table: Map<string, TSum>,
  procedure: string,
  side: 'served' | 'made',
  extra: Omit<TSum, keyof CallSum>,
): TSum {
  const key = `${side}\u0000${procedure}`;
  let sum = table.get(key);
  if (!sum) {
    sum = {
      procedure,
      side,
      calls: 0,
      failures: Object.create(null) as Record<string, number>,
      counts: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
      sumSeconds: 0,
      ...extra,
    } as TSum;
    table.set(key, sum);
  }
  return sum;
}

/** Adds one process's ended calls (or streams), failures and latencies to `sum`. */
function addEnded(sum: CallSum, ended: number, failures: Readonly<Record<string, number>>, latency: LatencyCounts): void {
  sum.calls += ended;
  for (const [code, count] of Object.entries(failures)) sum.failures[code] = (sum.failures[code] ?? 0) + count;
  latency.counts.forEach((count, index) => {
    if (index < sum.counts.length) sum.counts[index] = (sum.counts[index] ?? 0) + count;
  });
  sum.sumSeconds += latency.sumSeconds;
}

const bySite = (a: CallSum, b: CallSum): number => a.procedure.localeCompare(b.procedure) || a.side.localeCompare(b.side);

export class CountsSum {
  readonly #calls = new Map<string, CallSum>();
  readonly #streams = new Map<string, StreamSum>();
  readonly #events = new Map<string, { sent: number; received: number }>();
  readonly #workers = { joins: 0, exits: 0, restarts: 0 };

  add(counts: CountsSnapshot | null): this {
    if (!counts) return this;
    for (const entry of counts.calls) {
      addEnded(sumOf(this.#calls, entry.procedure, entry.side, {}), entry.calls, entry.failures, entry.latency);
    }
    for (const entry of counts.streams) {
      const sum = sumOf(this.#streams, entry.procedure, entry.side, { started: 0, items: 0 });
      sum.started += entry.started;
      sum.items += entry.items;
      addEnded(sum, entry.ended, entry.failures, entry.duration);
    }
    for (const entry of counts.events) {
      const sum = this.#events.get(entry.event) ?? { sent: 0, received: 0 };
      sum.sent += entry.sent;
      sum.received += entry.received;
      this.#events.set(entry.event, sum);
    }
    this.#workers.joins += counts.workers.joins;
    this.#workers.exits += counts.workers.exits;
    this.#workers.restarts += counts.workers.restarts;
    return this;
  }

  clone(): CountsSum {
    return new CountsSum().add(this.snapshot());
  }

  /** The sums as counters (`inFlight` empty: gauges are not summed). */
  snapshot(): CountsSnapshot {
    const calls: CallCounts[] = [...this.#calls.values()].sort(bySite).map((sum) => ({
      procedure: sum.procedure,
      side: sum.side,
      calls: sum.calls,
      failures: { ...sum.failures },
      latency: { counts: [...sum.counts], sumSeconds: sum.sumSeconds },
    }));
    const streams: StreamCounts[] = [...this.#streams.values()].sort(bySite).map((sum) => ({
      procedure: sum.procedure,
      side: sum.side,
      started: sum.started,
      ended: sum.calls,
      items: sum.items,
      failures: { ...sum.failures },
      duration: { counts: [...sum.counts], sumSeconds: sum.sumSeconds },
    }));
    const events: EventCounts[] = [...this.#events.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([event, sum]) => ({ event, sent: sum.sent, received: sum.received }));
    return { calls, inFlight: [], streams, openStreams: [], events, workers: { ...this.#workers } };
  }

  totals(): MetricsTotals {
    const { calls, streams, events, workers } = this.snapshot();
    return { calls, streams, events, workers };
  }
}
