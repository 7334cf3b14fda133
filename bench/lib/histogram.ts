/**
 * A latency histogram with logarithmic buckets 1 % wide: recording costs one `Math.log` and allocates nothing, so the loop being
 * measured stays light and the process's memory does not grow with the number of calls.
 */

/** Smallest latency told apart, in milliseconds (1 µs). */
const MIN_MS = 0.001;
/** Each bucket is this much wider than the one before: 1 % relative error. */
const GROWTH = 1.01;
/** Covers 1 µs to about 10 minutes. */
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / Math.log(GROWTH)) + 1;
const LOG_GROWTH = Math.log(GROWTH);

/** What a histogram says about its samples, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Adds one latency, in milliseconds. */
  record(ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    this.#count++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** The latency below which `fraction` of the samples fall (the bucket's upper bound). */
  percentile(fraction: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.#count));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index] ?? 0;
      if (seen >= rank) return Math.min(this.#max, MIN_MS * GROWTH ** index);
    }
    return this.#max;
  }

  summary(): LatencySummary {
    return {
      count: this.#count,
      meanMs: this.#count === 0 ? Number.NaN : this.#sum / this.#count,
      p50Ms: this.percentile(0.5),
      p99Ms: this.percentile(0.99),
      maxMs: this.#max,
    };
  }
}
