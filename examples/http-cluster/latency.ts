/**
 * Call latencies in log-spaced buckets, so that the workers' figures merge
 * exactly (add the counts) and a quantile is right to within one bucket.
 */

/** 16 buckets per doubling: each bucket is 4.4 % wider than the one before. */
const BUCKETS_PER_DOUBLING = 16;
/** The lower edge of bucket 0, in ms (1 µs): below timer resolution anyway. */
const SMALLEST_MS = 0.001;

/** Bucket index (as a string, for the wire) → how many latencies fell in it. */
export type Buckets = Record<string, number>;

export class LatencyHistogram {
  readonly buckets: Buckets = {};
  count = 0;

  /** Adds one latency, in ms. */
  record(ms: number): void {
    const index = Math.max(0, Math.ceil(Math.log2(Math.max(ms, SMALLEST_MS) / SMALLEST_MS) * BUCKETS_PER_DOUBLING));
    this.buckets[index] = (this.buckets[index] ?? 0) + 1;
    this.count++;
  }

  /** Adds another histogram's counts (from a worker). */
  merge(buckets: Buckets): void {
    for (const [index, count] of Object.entries(buckets)) {
      this.buckets[index] = (this.buckets[index] ?? 0) + count;
      this.count += count;
    }
  }

  /** The latency, in ms, that a fraction `q` of the calls did not exceed (the bucket's upper edge); `undefined` if empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const indices = Object.keys(this.buckets)
      .map(Number)
      .sort((a, b) => a - b);
    let seen = 0;
    for (const index of indices) {
      seen += this.buckets[index] ?? 0;
      if (seen >= q * this.count) return SMALLEST_MS * 2 ** (index / BUCKETS_PER_DOUBLING);
    }
    return undefined;
  }
}
