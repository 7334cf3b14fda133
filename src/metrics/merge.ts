/** One source's families from every process, merged as `AggregatorRegistry` does, but keeping what gone ones counted. @module */
import { numberOf, type RenderedFamily, seriesOf, withLabel } from './rendered.js';
import type { MetricAggregator, MetricFamily } from './types.js';

export interface ProcessFamilies {
  /** Its slot label: `primary`, or the worker's slot. */
  readonly slot: string;
  /** From this gather; otherwise the last answer of a worker that did not answer this time, whose cumulative series only are used. */
  readonly fresh: boolean;
  readonly families: readonly RenderedFamily[];
}

/** A family ready to be written: each series' text after the family's name, and its value. */
export interface MergedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly series: readonly string[];
  readonly values: readonly number[];
}

/** Counters and histograms are cumulative; of a summary, `_sum` and `_count` (its quantiles' text starts with `{`, or is empty). */
function isCumulative(type: MetricFamily['type'], series: string): boolean {
  if (type === 'counter' || type === 'histogram') return true;
  return type === 'summary' && series.startsWith('_');
}

/** The summed cumulative series of processes that exited or were replaced, by family. */
export class RetiredSeries {
  readonly #families = new Map<
    string,
    { readonly help: string; readonly type: MetricFamily['type']; readonly sums: Map<string, number> }
  >();

  add(families: readonly RenderedFamily[]): void {
    for (const family of families) {
      if (family.aggregator !== 'sum' || family.type === 'gauge' || family.type === 'untyped') continue;
      let retired = this.#families.get(family.name);
      if (!retired) {
        retired = { help: family.help, type: family.type, sums: new Map() };
        this.#families.set(family.name, retired);
      } else if (retired.type !== family.type) {
        continue;
      }
      const series = seriesOf(family) ?? [];
      const { values } = family;
      for (let index = 0; index < series.length; index++) {
        const text = series[index] as string;
        if (!isCumulative(family.type, text)) continue;
        retired.sums.set(text, (retired.sums.get(text) ?? 0) + numberOf(values[index] ?? 0));
      }
    }
  }

  entries(): IterableIterator<
    [string, { readonly help: string; readonly type: MetricFamily['type']; readonly sums: ReadonlyMap<string, number> }]
  > {
    return this.#families.entries();
  }
}

interface Merging {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  /** `undefined`: one series per process, labelled. */
  readonly aggregator: MetricAggregator | undefined;
  /** Where each series is, made when a series is not where the same one was in the first process. */
  index: Map<string, number> | undefined;
  readonly series: string[];
  readonly values: number[];
  readonly counts: number[];
}

function combine(aggregator: MetricAggregator | undefined, known: number, value: number): number {
  switch (aggregator) {
    case 'first':
      return known;
    case 'min':
      return Math.min(known, value);
    case 'max':
      return Math.max(known, value);
    default:
      return known + value; // sum, and average (divided by the count at the end)
  }
}

/** Processes usually list the same series in the same order: a series is first looked for at the same `position`. */
function add(family: Merging, text: string, value: number, position: number): void {
  let at: number | undefined = family.series[position] === text ? position : undefined;
  if (at === undefined) {
    family.index ??= new Map(family.series.map((known, index) => [known, index]));
    at = family.index.get(text);
  }
  if (at === undefined) {
    family.index?.set(text, family.series.length);
    family.series.push(text);
    family.values.push(value);
    family.counts.push(1);
    return;
  }
  family.values[at] = combine(family.aggregator, family.values[at] as number, value);
  family.counts[at] = (family.counts[at] as number) + 1;
}

/** `processes` come in the order `first` follows; a family with its own `perWorkerLabel` label is merged, never relabelled. */
export function mergeFamilies(
  processes: readonly ProcessFamilies[],
  retired: RetiredSeries | undefined,
  perWorkerLabel?: string,
): MergedFamily[] {
  const clashing = new Set<string>();
  if (perWorkerLabel !== undefined) {
    for (const { families } of processes) {
      for (const family of families) if (family.labels.includes(perWorkerLabel)) clashing.add(family.name);
    }
  }
  const merged = new Map<string, Merging>();
  for (const { slot, fresh, families } of processes) {
    for (const family of families) {
      let target = merged.get(family.name);
      if (!target) {
        const perWorker = perWorkerLabel !== undefined && !clashing.has(family.name);
        target = {
          name: family.name,
          help: family.help,
          type: family.type,
          aggregator: perWorker ? undefined : family.aggregator,
          index: undefined,
          series: [],
          values: [],
          counts: [],
        };
        merged.set(family.name, target);
      } else if (target.type !== family.type) {
        continue; // processes disagree on the type: the first one's stands
      }
      if (target.aggregator === 'omit') continue;
      const series = seriesOf(family);
      if (!series) continue; // not as many series as values: nothing to trust in it
      const { values } = family;
      const everyCumulative = isCumulative(target.type, '');
      for (let index = 0; index < series.length; index++) {
        const text = series[index] as string;
        if (!fresh && !everyCumulative && !isCumulative(target.type, text)) continue;
        const value = numberOf(values[index] ?? 0);
        add(target, target.aggregator === undefined ? withLabel(text, perWorkerLabel as string, slot) : text, value, index);
      }
    }
  }
  for (const [name, gone] of retired?.entries() ?? []) {
    let target = merged.get(name);
    if (!target) {
      target = {
        name,
        help: gone.help,
        type: gone.type,
        aggregator: 'sum',
        index: undefined,
        series: [],
        values: [],
        counts: [],
      };
      merged.set(name, target);
    }
    // Only a merged sum carries what is gone; per worker, a slot's new process starts again, as a restarted one does.
    if (target.aggregator !== 'sum' || target.type !== gone.type) continue;
    let position = 0;
    for (const [text, value] of gone.sums) add(target, text, value, position++);
  }
  const families: MergedFamily[] = [];
  for (const family of merged.values()) {
    if (family.aggregator === 'omit' || family.series.length === 0) continue;
    if (family.aggregator === 'average') {
      for (let index = 0; index < family.values.length; index++) {
        family.values[index] = (family.values[index] as number) / (family.counts[index] as number);
      }
    }
    families.push({ name: family.name, help: family.help, type: family.type, series: family.series, values: family.values });
  }
  return families;
}
