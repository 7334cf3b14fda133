/** Sources' families as they cross: each series as its Prometheus text, so the primary merges by comparing strings. @module */

import { isRecord } from '../wire/guards.js';
import type { MetricAggregator, MetricFamily } from './types.js';

/** A sample's value on the wire: a number, or the name of one JSON cannot carry. */
type WireValue = number | 'NaN' | '+Inf' | '-Inf';

export interface RenderedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator: MetricAggregator;
  /** One series per line: the sample name after the family's (`_bucket`…), then `{a="x"}` or nothing. */
  readonly series: string;
  readonly values: readonly WireValue[];
  readonly labels: readonly string[];
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const AGGREGATORS: ReadonlySet<string> = new Set(['sum', 'first', 'min', 'max', 'average', 'omit']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
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

function escapeLabel(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n') : value;
}

export function escapeHelp(help: string): string {
  return help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

interface LabelsText {
  readonly text: string;
  readonly names: readonly string[];
}

/** `{a="x",b="y"}` with names sorted, or `''`, and the names; `undefined` when a label cannot be written. */
function renderLabels(labels: Readonly<Record<string, unknown>>): LabelsText | undefined {
  const names = Object.keys(labels);
  const count = names.length;
  if (count === 0) return { text: '', names };
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
  let written = names;
  for (let index = 0; index < count; index++) {
    const name = names[index] as string;
    const value = labels[name];
    // A label set to undefined is no label, as prom-client's own hashing and JSON have it.
    if (value === undefined) {
      written = written.filter((other) => other !== name);
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
  return { text: text === '' ? '' : `${text}}`, names: written };
}

/** `{a="x",b="y"}` with names sorted, or `''`; `undefined` when a label cannot be written. */
export function labelsText(labels: Readonly<Record<string, unknown>>): string | undefined {
  return renderLabels(labels)?.text;
}

function sameLabels(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>> | undefined): boolean {
  if (a === b) return true;
  if (b === undefined) return false;
  let keys = 0;
  for (const name in a) {
    if (a[name] !== b[name]) return false;
    keys++;
  }
  for (const _ in b) keys--;
  return keys === 0;
}

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

export function numberOf(value: WireValue): number {
  if (typeof value === 'number') return value;
  return value === 'NaN' ? Number.NaN : value === '+Inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** A family's last rendering, by position: a registry read again usually gives the same samples in the same order. */
export interface FamilyMemo {
  readonly offered: number;
  /** By position: each sample's name, labels, text and label names (`undefined` where it could not be written). */
  readonly sampleNames: readonly unknown[];
  readonly labels: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>;
  readonly series: ReadonlyArray<string | undefined>;
  readonly names: ReadonlyArray<readonly string[] | undefined>;
  readonly joined: string;
  readonly labelNames: readonly string[];
}

/** A memo being written, once a sample differs from the last rendering's. */
interface Fresh {
  readonly sampleNames: unknown[];
  readonly labels: Array<Readonly<Record<string, unknown>> | undefined>;
  readonly series: Array<string | undefined>;
  readonly names: Array<readonly string[] | undefined>;
}

/** While each sample is the one at its place last time, only values are collected; the first that differs starts a memo. */
export class FamilyRenderer {
  readonly #name: string;
  readonly #values: WireValue[] = [];
  readonly #previous: FamilyMemo | undefined;
  #fresh: Fresh | undefined;
  #offered = 0;
  #memo: FamilyMemo | undefined;

  /** `undefined` when the family's fields cannot be written. */
  static open(
    name: unknown,
    help: unknown,
    type: unknown,
    aggregator: unknown = 'sum',
    previous?: FamilyMemo,
  ): FamilyRenderer | undefined {
    if (typeof name !== 'string' || !METRIC_NAME.test(name) || typeof help !== 'string') return undefined;
    if (typeof type !== 'string' || !TYPES.has(type) || typeof aggregator !== 'string' || !AGGREGATORS.has(aggregator)) {
      return undefined;
    }
    return new FamilyRenderer(name, help, type as MetricFamily['type'], aggregator as MetricAggregator, previous);
  }

  private constructor(
    name: string,
    readonly help: string,
    readonly type: MetricFamily['type'],
    readonly aggregator: MetricAggregator,
    previous: FamilyMemo | undefined,
  ) {
    this.#name = name;
    this.#previous = previous;
  }

  /** This rendering, for the next one; after {@link FamilyRenderer.done}. */
  get memo(): FamilyMemo | undefined {
    return this.#memo;
  }

  /** One sample; `sampleName` undefined is the family's name. */
  add(sampleName: unknown, labels: unknown, value: unknown): void {
    const at = this.#offered++;
    const previous = this.#previous;
    const valid = typeof value === 'number' && isRecord(labels);
    const same =
      valid &&
      previous !== undefined &&
      previous.sampleNames[at] === sampleName &&
      previous.series[at] !== undefined &&
      sameLabels(labels, previous.labels[at]);
    if (same && this.#fresh === undefined) {
      this.#values.push(wireValue(value));
      return;
    }
    const fresh = this.#freshUpTo(at);
    fresh.sampleNames.push(sampleName);
    fresh.labels.push(valid ? labels : undefined);
    if (same) {
      fresh.series.push(previous.series[at]);
      fresh.names.push(previous.names[at]);
      this.#values.push(wireValue(value as number));
      return;
    }
    const suffix = valid ? this.#suffixOf(sampleName) : undefined;
    const rendered = suffix === undefined ? undefined : renderLabels(labels as Readonly<Record<string, unknown>>);
    fresh.series.push(rendered === undefined ? undefined : suffix + rendered.text);
    fresh.names.push(rendered?.names);
    if (rendered !== undefined) this.#values.push(wireValue(value as number));
  }

  done(): RenderedFamily {
    const { help, type, aggregator } = this;
    const previous = this.#previous;
    let memo: FamilyMemo;
    if (this.#fresh === undefined && previous !== undefined && previous.offered === this.#offered) {
      memo = previous;
    } else {
      const fresh = this.#freshUpTo(this.#offered);
      const texts: string[] = [];
      const labelNames = new Set<string>();
      let lastNames: readonly string[] | undefined;
      fresh.series.forEach((text, index) => {
        if (text === undefined) return;
        texts.push(text);
        const names = fresh.names[index];
        if (names === undefined || names === lastNames) return;
        for (const name of names) labelNames.add(name);
        lastNames = names;
      });
      memo = { offered: this.#offered, ...fresh, joined: texts.join('\n'), labelNames: [...labelNames] };
    }
    this.#memo = memo;
    return { name: this.#name, help, type, aggregator, series: memo.joined, values: this.#values, labels: memo.labelNames };
  }

  /** The new memo, started with the last rendering's first `count` samples (all the same as this one's) if it was not yet. */
  #freshUpTo(count: number): Fresh {
    if (this.#fresh) return this.#fresh;
    const previous = this.#previous;
    this.#fresh = previous
      ? {
          sampleNames: previous.sampleNames.slice(0, count),
          labels: previous.labels.slice(0, count),
          series: previous.series.slice(0, count),
          names: previous.names.slice(0, count),
        }
      : { sampleNames: [], labels: [], series: [], names: [] };
    return this.#fresh;
  }

  /** The sample name after the family's; `undefined` when it is another name or cannot be written. */
  #suffixOf(sampleName: unknown): string | undefined {
    if (sampleName === undefined || sampleName === this.#name) return '';
    if (typeof sampleName !== 'string' || !sampleName.startsWith(this.#name)) return undefined;
    const suffix = sampleName.slice(this.#name.length);
    return NAME_SUFFIX.test(suffix) ? suffix : undefined;
  }
}

/** What is not a family, or a sample that cannot be written, is left out. */
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

/** A faster way than `collect()` and {@link renderFamilies}: prom-client's JSON rendered in one pass. */
export const COLLECT_RENDERED: unique symbol = Symbol('cluster-rpc.collectRendered');

export interface RenderingSource {
  [COLLECT_RENDERED](): Promise<RenderedFamily[]>;
}

function isWireValue(value: unknown): value is WireValue {
  return typeof value === 'number' || value === 'NaN' || value === '+Inf' || value === '-Inf';
}

/** True when `value` has the shape of a rendered family; {@link seriesOf} reads its series. */
export function isRenderedFamily(value: unknown): value is RenderedFamily {
  if (!isRecord(value)) return false;
  const { name, help, type, aggregator, series, values, labels } = value;
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || typeof help !== 'string') return false;
  if (typeof type !== 'string' || !TYPES.has(type) || typeof aggregator !== 'string' || !AGGREGATORS.has(aggregator))
    return false;
  if (typeof series !== 'string' || !Array.isArray(values) || !values.every(isWireValue)) return false;
  return Array.isArray(labels) && labels.every((label) => typeof label === 'string');
}

/** A family's series, one text each; `undefined` when they are not as many as its values. */
export function seriesOf(family: RenderedFamily): readonly string[] | undefined {
  if (family.values.length === 0) return family.series === '' ? [] : undefined;
  const series = family.series.split('\n');
  return series.length === family.values.length ? series : undefined;
}

export function withLabel(series: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabel(value)}"`;
  return series.endsWith('}') ? `${series.slice(0, -1)},${pair}}` : `${series}{${pair}}`;
}
