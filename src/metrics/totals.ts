/**
 * Adding cluster-rpc's own counters of several processes (per procedure,
 * side, event). Gauges are never added; they stay per process.
 *
 * @module
 */
import type { CountsSnapshot } from './recorder.js';
import { type CallCounts, type EventCounts, LATENCY_BUCKETS_SECONDS, type MetricsTotals } from './types.js';

interface CallSum {
  readonly procedure: string;
  readonly side: 'served' | 'made';
  calls: number;
  readonly failures: Record<string, number>;
  readonly counts: number[];
  sumSeconds: number;
}

/** A running sum of processes' counters. */
export class CountsSum {
  readonly #calls = new Map<string, CallSum>();
  readonly #events = new Map<string, { sent: number; received: number }>();
  readonly #workers = { joins: 0, exits: 0, restarts: 0 };

  add(counts: CountsSnapshot | null): this {
    if (!counts) return this;
    for (const entry of counts.calls) {
      const key = `${entry.side}\u0000${entry.procedure}`;
      let sum = this.#calls.get(key);
      if (!sum) {
        sum = {
          procedure: entry.procedure,
          side: entry.side,
          calls: 0,
          failures: Object.create(null) as Record<string, number>,
          counts: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
          sumSeconds: 0,
        };
        this.#calls.set(key, sum);
      }
      sum.calls += entry.calls;
      for (const [code, count] of Object.entries(entry.failures)) sum.failures[code] = (sum.failures[code] ?? 0) + count;
      entry.latency.counts.forEach((count, index) => {
        if (index < sum.counts.length) sum.counts[index] = (sum.counts[index] ?? 0) + count;
      });
      sum.sumSeconds += entry.latency.sumSeconds;
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

  /** A copy to add more to. */
  clone(): CountsSum {
    return new CountsSum().add(this.snapshot());
  }

  /** The sums as counters (`inFlight` empty: gauges are not summed). */
  snapshot(): CountsSnapshot {
    const calls: CallCounts[] = [...this.#calls.values()]
      .sort((a, b) => a.procedure.localeCompare(b.procedure) || a.side.localeCompare(b.side))
      .map((sum) => ({
        procedure: sum.procedure,
        side: sum.side,
        calls: sum.calls,
        failures: { ...sum.failures },
        latency: { counts: [...sum.counts], sumSeconds: sum.sumSeconds },
      }));
    const events: EventCounts[] = [...this.#events.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([event, sum]) => ({ event, sent: sum.sent, received: sum.received }));
    return { calls, inFlight: [], events, workers: { ...this.#workers } };
  }

  totals(): MetricsTotals {
    const { calls, events, workers } = this.snapshot();
    return { calls, events, workers };
  }
}
