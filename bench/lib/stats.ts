/** Helpers the cells share: medians, spreads, rotating order, pauses, time limits, error text. */

/** The median of the finite `values` (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Half the range of `values` over their median (0 for a single value). */
export function spreadOf(values: readonly number[]): number {
  const middle = median(values);
  if (!(middle > 0) || values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / 2 / middle;
}

/** `list` in round `round`'s order: each round starts one further, so noise lands on a different contender each round. */
export function rotated<T>(list: readonly T[], round: number): T[] {
  return list.map((_, index) => list[(index + round) % list.length] as T);
}

/** `promise`, or a rejection saying `what` (`… did not finish`) within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `1.05×` */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/** An error's message, or what was thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
