/**
 * Reads Prometheus text with a real parser (parse-prometheus-text-format, a
 * port of the official Python client's), never with a regex of ours. The
 * whole text gives the families (`# HELP`, `# TYPE`); each sample line is
 * also read alone, because the package's grouping of histograms keeps only
 * the first series' buckets and drops labels, `_sum` and `_count`.
 */
// @ts-expect-error the package ships no types; its output is described below
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

interface RawFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: ReadonlyArray<{ readonly labels?: Record<string, string>; readonly value?: string }>;
}

const parse = parsePrometheusTextFormat as (text: string) => RawFamily[];

/** One sample line, as the parser read it. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What a Prometheus text holds. */
export interface Scrape {
  /** By family name: its help and type (upper case, as the parser gives it). */
  readonly families: ReadonlyMap<string, { readonly help: string; readonly type: string }>;
  readonly samples: readonly Sample[];
}

/** The values Prometheus writes as words (Go's ParseFloat reads them; Number() does not read `+Inf`). */
const SPECIAL_VALUES = new Map([
  ['+Inf', Number.POSITIVE_INFINITY],
  ['-Inf', Number.NEGATIVE_INFINITY],
]);

/** Parses `text`; throws when a line is not a sample with a numeric value, or a sample's family was not declared. */
export function parsePrometheus(text: string): Scrape {
  const families = new Map<string, { help: string; type: string }>();
  for (const family of parse(text)) families.set(family.name, { help: family.help, type: family.type });
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [family, ...others] = parse(`${line}\n`);
    const metric = family?.metrics[0];
    if (!family || others.length > 0 || family.metrics.length !== 1 || metric?.value === undefined) {
      throw new Error(`not one sample: ${line}`);
    }
    const value = SPECIAL_VALUES.get(metric.value) ?? Number(metric.value);
    if (Number.isNaN(value) && metric.value !== 'NaN') throw new Error(`not a number: ${line}`);
    const declared = [family.name, family.name.replace(/_(bucket|sum|count)$/, '')].some((name) => families.has(name));
    if (!declared) throw new Error(`no # TYPE for ${family.name}`);
    samples.push({ name: family.name, labels: metric.labels ?? {}, value });
  }
  return { families, samples };
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  return scrape.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none, an error if several. */
export function sampleValue(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samplesOf(scrape, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}
