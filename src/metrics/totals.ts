/**
 * Adding counters of several processes: cluster-rpc's own (per procedure,
 * side, event) and sources' counter and histogram samples. Gauges are never
 * added; they stay per process.
 *
 * @module
 */
import type { CountsSnapshot } from './recorder.js';
import {
  type CallCounts,
  type EventCounts,
  LATENCY_BUCKETS_SECONDS,
  type MetricFamily,
  type MetricSample,
  type MetricsTotals,
} from './types.js';

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

/** A running sum of sources' counter and histogram samples, by family and series. */
export class FamiliesSum {
  readonly #families = new Map<string, { family: Omit<MetricFamily, 'samples'>; samples: Map<string, MetricSample> }>();

  /** Adds the counters and histograms of `families`; other types are ignored. */
  add(families: readonly MetricFamily[]): this {
    for (const family of families) {
      if (family.type !== 'counter' && family.type !== 'histogram') continue;
      let sum = this.#families.get(family.name);
      if (!sum) {
        sum = { family: { name: family.name, help: family.help, type: family.type }, samples: new Map() };
        this.#families.set(family.name, sum);
      } else if (sum.family.type !== family.type) {
        continue; // two processes disagree on a metric's type: keep the first
      }
      for (const sample of family.samples) {
        const key = seriesKey(sample.name, sample.labels);
        const known = sum.samples.get(key);
        sum.samples.set(key, { name: sample.name, labels: sample.labels, value: (known?.value ?? 0) + sample.value });
      }
    }
    return this;
  }

  clone(): FamiliesSum {
    return new FamiliesSum().add(this.families());
  }

  families(): MetricFamily[] {
    return [...this.#families.values()].map(({ family, samples }) => ({ ...family, samples: [...samples.values()] }));
  }
}

/** One series: its sample name and its labels, in name order. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`);
  return `${name}{${pairs.join(',')}}`;
}
