/**
 * Sources' families as they cross the channel: each series already written
 * as its Prometheus text (`_bucket{le="0.1",route="/"}`), so the primary
 * merges series by comparing strings and writes them out as they came,
 * without reading labels back. Label names are sorted, so the same series
 * has the same text in every process.
 *
 * @module
 */
import type { MetricAggregator, MetricFamily } from './types.js';

/** A sample's value on the wire: a number, or the name of one JSON cannot carry. */
export type WireValue = number | 'NaN' | '+Inf' | '-Inf';

/** One family of one process, ready to merge. */
export interface RenderedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator: MetricAggregator;
  /**
   * Each series: its sample name after the family's (`''`, `_bucket`, `_sum`,
   * `_count`), then its labels as Prometheus text (`{a="x",b="y"}`, or
   * nothing).
   */
  readonly series: readonly string[];
  /** Each series' value, in the same order. */
  readonly values: readonly WireValue[];
  /** The label names its series have. */
  readonly labels: readonly string[];
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const AGGREGATORS: ReadonlySet<string> = new Set(['sum', 'first', 'min', 'max', 'average', 'omit']);
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const NAME_SUFFIX = /^[a-zA-Z0-9_:]*$/;
/** Prometheus reserves names starting with `__`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NEEDS_ESCAPE = /[\\"\n]/;

/** Label names already checked: sources repeat a handful of names in every sample. */
const validLabelNames = new Set<string>();
const MAX_REMEMBERED_LABEL_NAMES = 10_000;

function isLabelName(name: string): boolean {
  if (validLabelNames.has(name)) return true;
  if (!LABEL_NAME.test(name) || name.startsWith('__')) return false;
  if (validLabelNames.size < MAX_REMEMBERED_LABEL_NAMES) validLabelNames.add(name);
  return true;
}

export function escapeLabel(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n') : value;
}

export function escapeHelp(help: string): string {
  return help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** The label names a family's series have, noted sample by sample. */
export class LabelNames {
  readonly all = new Set<string>();
  /** The names of the last sample noted: the next sample usually has the same, and costs a comparison. */
  #last: readonly string[] = [];

  note(names: readonly string[], skipped: boolean): void {
    const last = this.#last;
    if (!skipped && names.length === last.length) {
      let same = true;
      for (let index = 0; same && index < names.length; index++) same = names[index] === last[index];
      if (same) return;
    }
    this.#last = skipped ? [] : names;
    for (const name of names) this.all.add(name);
  }
}

/**
 * `{a="x",b="y"}` with names sorted, or `''`; `undefined` when a label cannot
 * be written. Notes the names written in `seen`.
 */
export function labelsText(labels: Readonly<Record<string, unknown>>, seen?: LabelNames): string | undefined {
  const names = Object.keys(labels);
  const count = names.length;
  if (count === 0) return '';
  // Insertion sort: a label set is a few names, often in order already.
  for (let index = 1; index < count; index++) {
    const name = names[index] as string;
    let at = index - 1;
    while (at >= 0 && (names[at] as string) > name) {
      names[at + 1] = names[at] as string;
      at--;
    }
    names[at + 1] = name;
  }
  let text = '';
  let skipped = false;
  for (let index = 0; index < count; index++) {
    const name = names[index] as string;
    const value = labels[name];
    // A label set to undefined is no label, as prom-client's own hashing and JSON have it.
    if (value === undefined) {
      skipped = true;
      names[index] = '';
      continue;
    }
    if (!isLabelName(name)) return undefined;
    let string: string;
    if (typeof value === 'string') string = escapeLabel(value);
    else if (typeof value === 'number') string = numberText(value);
    else if (typeof value === 'boolean') string = value ? 'true' : 'false';
    else return undefined;
    text = text === '' ? `{${name}="${string}"` : `${text},${name}="${string}"`;
  }
  seen?.note(skipped ? names.filter((name) => name !== '') : names, skipped);
  return text === '' ? '' : `${text}}`;
}

/** A number as Prometheus writes it. */
export function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function wireValue(value: number): WireValue {
  if (Number.isFinite(value)) return value === 0 ? 0 : value; // -0 would leave plain JSON
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

/** A wire value as a number. */
export function numberOf(value: WireValue): number {
  if (typeof value === 'number') return value;
  return value === 'NaN' ? Number.NaN : value === '+Inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders one family sample by sample: what cannot be written is left out. */
export class FamilyRenderer {
  readonly #name: string;
  readonly #series: string[] = [];
  readonly #values: WireValue[] = [];
  readonly #labels = new LabelNames();
  /** The last sample name with a suffix, and its suffix: histograms repeat `_bucket` for every bound. */
  #lastName = '';
  #lastSuffix = '';

  /** `undefined` when the family's fields cannot be written. */
  static open(name: unknown, help: unknown, type: unknown, aggregator: unknown = 'sum'): FamilyRenderer | undefined {
    if (typeof name !== 'string' || !METRIC_NAME.test(name) || typeof help !== 'string') return undefined;
    if (typeof type !== 'string' || !TYPES.has(type) || typeof aggregator !== 'string' || !AGGREGATORS.has(aggregator)) {
      return undefined;
    }
    return new FamilyRenderer(name, help, type as MetricFamily['type'], aggregator as MetricAggregator);
  }

  private constructor(
    name: string,
    readonly help: string,
    readonly type: MetricFamily['type'],
    readonly aggregator: MetricAggregator,
  ) {
    this.#name = name;
  }

  /** One sample; `sampleName` undefined is the family's name. */
  add(sampleName: unknown, labels: unknown, value: unknown): void {
    if (typeof value !== 'number' || !isRecord(labels)) return;
    let suffix = '';
    if (sampleName === this.#lastName) {
      suffix = this.#lastSuffix;
    } else if (sampleName !== undefined && sampleName !== this.#name) {
      if (typeof sampleName !== 'string' || !sampleName.startsWith(this.#name)) return;
      suffix = sampleName.slice(this.#name.length);
      if (!NAME_SUFFIX.test(suffix)) return;
      this.#lastName = sampleName;
      this.#lastSuffix = suffix;
    }
    const text = labelsText(labels, this.#labels);
    if (text === undefined) return;
    this.#series.push(suffix + text);
    this.#values.push(wireValue(value));
  }

  done(): RenderedFamily {
    const { help, type, aggregator } = this;
    return {
      name: this.#name,
      help,
      type,
      aggregator,
      series: this.#series,
      values: this.#values,
      labels: [...this.#labels.all],
    };
  }
}

/**
 * `families` as a source returned them, rendered; what is not a family is
 * left out, and so is a sample whose name, labels or value cannot be written.
 */
export function renderFamilies(families: readonly unknown[]): RenderedFamily[] {
  const rendered: RenderedFamily[] = [];
  for (const family of families) {
    if (!isRecord(family) || !Array.isArray(family.samples)) continue;
    const renderer = FamilyRenderer.open(family.name, family.help, family.type, family.aggregator);
    if (!renderer) continue;
    for (const sample of family.samples as unknown[]) {
      if (isRecord(sample)) renderer.add(sample.name, sample.labels, sample.value);
    }
    rendered.push(renderer.done());
  }
  return rendered;
}

/**
 * Where a source may keep a faster way to its rendered families than
 * `collect()` and {@link renderFamilies}: prom-client's JSON is rendered in
 * one pass, without building `MetricFamily` objects first.
 */
export const COLLECT_RENDERED: unique symbol = Symbol('cluster-rpc.collectRendered');

/** A source that has such a way. */
export interface RenderingSource {
  [COLLECT_RENDERED](): Promise<RenderedFamily[]>;
}

function isWireValue(value: unknown): value is WireValue {
  return typeof value === 'number' || value === 'NaN' || value === '+Inf' || value === '-Inf';
}

/** True when `value` is a rendered family whose text cannot break the lines it is written into. */
export function isRenderedFamily(value: unknown): value is RenderedFamily {
  if (!isRecord(value)) return false;
  const { name, help, type, aggregator, series, values, labels } = value;
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || typeof help !== 'string') return false;
  if (typeof type !== 'string' || !TYPES.has(type) || typeof aggregator !== 'string' || !AGGREGATORS.has(aggregator))
    return false;
  if (!Array.isArray(series) || !Array.isArray(values) || series.length !== values.length) return false;
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) return false;
  for (let index = 0; index < series.length; index++) {
    const text: unknown = series[index];
    if (typeof text !== 'string' || text.includes('\n') || !isWireValue(values[index])) return false;
  }
  return true;
}

/** The series' text with one more label, written last. */
export function withLabel(series: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabel(value)}"`;
  return series.endsWith('}') ? `${series.slice(0, -1)},${pair}}` : `${series}{${pair}}`;
}
