/** One process's answer to a gather, served by a reserved procedure so it rides the ordinary call path. @module */
import type { ProcedureDef } from '../define/procedure.js';
import { isRecord } from '../wire/guards.js';
import { type CountsSnapshot, METRICS_PATH, type MetricsRecorder } from './recorder.js';
import {
  COLLECT_RENDERED,
  isRenderedFamily,
  LABEL_NAME,
  type RenderedFamily,
  type RenderingSource,
  renderFamilies,
} from './rendered.js';
import type { MetricsSource } from './types.js';

export { METRICS_PATH } from './recorder.js';

export interface ProcessReport {
  /** Made once per rpc object: a new one means a new process (or a new rpc object) behind the same worker id. */
  readonly instance: string;
  /** Grows with each report of a process: of two reports of one instance, the higher is the newer. */
  readonly seq: number;
  readonly workerId: number;
  readonly pid: number;
  /** `null` when this process does not count (no `metrics` option). */
  readonly counts: CountsSnapshot | null;
  /** By source name, rendered; a source that failed is left out, and so is one that leaves the primary out, in the primary. */
  readonly sources: Readonly<Record<string, readonly RenderedFamily[]>>;
}

export interface ReportHost {
  readonly instance: string;
  readonly recorder: MetricsRecorder | undefined;
  readonly sources: readonly MetricsSource[];
  /** This process's worker id (0 for the primary). */
  workerId(): number;
}

let reports = 0;

/** This process's report now. Never rejects: a source that fails is left out. */
export async function reportOf(host: ReportHost): Promise<ProcessReport> {
  const seq = ++reports;
  const sources: Record<string, readonly RenderedFamily[]> = {};
  const inPrimary = host.workerId() === 0;
  await Promise.all(
    host.sources.map(async (source) => {
      if (inPrimary && source.primary === false) return;
      try {
        const rendering = (source as Partial<RenderingSource>)[COLLECT_RENDERED];
        if (typeof rendering === 'function') {
          sources[source.name] = await rendering.call(source);
          return;
        }
        const families: unknown = await source.collect();
        if (Array.isArray(families)) sources[source.name] = renderFamilies(families);
      } catch {
        // One broken source must not cost the rest of this process's answer.
      }
    }),
  );
  return {
    instance: host.instance,
    seq,
    workerId: host.workerId(),
    pid: process.pid,
    counts: host.recorder?.snapshot() ?? null,
    sources,
  };
}

export function withMetricsProcedure(
  procedures: ReadonlyMap<string, ProcedureDef>,
  host: ReportHost,
): ReadonlyMap<string, ProcedureDef> {
  const def: ProcedureDef = Object.freeze({
    input: undefined,
    output: undefined,
    middlewares: Object.freeze([]),
    handler: () => reportOf(host),
  });
  return new Map([...procedures, [METRICS_PATH, def]]);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number');
}

function isSite(entry: Record<string, unknown>): boolean {
  return typeof entry.procedure === 'string' && (entry.side === 'served' || entry.side === 'made');
}

function isEnded(failures: unknown, latency: unknown): boolean {
  return (
    isRecord(failures) &&
    Object.values(failures).every((count) => typeof count === 'number') &&
    isRecord(latency) &&
    isNumberArray(latency.counts) &&
    typeof latency.sumSeconds === 'number'
  );
}

function everyRecord(list: unknown, check: (entry: Record<string, unknown>) => boolean): boolean {
  return Array.isArray(list) && list.every((entry: unknown) => isRecord(entry) && check(entry));
}

function isCounts(value: unknown): value is CountsSnapshot {
  if (!isRecord(value)) return false;
  const workers = value.workers;
  return (
    isRecord(workers) &&
    typeof workers.joins === 'number' &&
    typeof workers.exits === 'number' &&
    typeof workers.restarts === 'number' &&
    everyRecord(
      value.calls,
      (entry) => isSite(entry) && typeof entry.calls === 'number' && isEnded(entry.failures, entry.latency),
    ) &&
    everyRecord(value.inFlight, (entry) => isSite(entry) && typeof entry.calls === 'number') &&
    everyRecord(
      value.streams,
      (entry) =>
        isSite(entry) &&
        typeof entry.started === 'number' &&
        typeof entry.ended === 'number' &&
        typeof entry.items === 'number' &&
        isEnded(entry.failures, entry.duration),
    ) &&
    everyRecord(value.openStreams, (entry) => isSite(entry) && typeof entry.streams === 'number') &&
    everyRecord(
      value.events,
      (entry) => typeof entry.event === 'string' && typeof entry.sent === 'number' && typeof entry.received === 'number',
    )
  );
}

/** True when a worker's answer has the shape of a report; anything else counts as no answer. */
export function isReport(value: unknown): value is ProcessReport {
  return (
    isRecord(value) &&
    typeof value.instance === 'string' &&
    typeof value.seq === 'number' &&
    typeof value.workerId === 'number' &&
    typeof value.pid === 'number' &&
    (value.counts === null || isCounts(value.counts)) &&
    isRecord(value.sources) &&
    Object.values(value.sources).every((families) => Array.isArray(families) && families.every(isRenderedFamily))
  );
}

/** True when `label` can name the per-worker label: a valid Prometheus label name that histograms and summaries do not use. */
export function isPerWorkerLabel(label: unknown): label is string {
  return typeof label === 'string' && LABEL_NAME.test(label) && !label.startsWith('__') && label !== 'le' && label !== 'quantile';
}

/** The `metrics` option of `createClusterRpc`, checked: `undefined` when off. */
export function checkMetricsOption(value: unknown): { readonly sources: readonly MetricsSource[] } | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { sources: [] };
  const sources: unknown = isRecord(value) ? (value.sources ?? []) : undefined;
  if (!Array.isArray(sources)) {
    throw new TypeError('createClusterRpc: metrics must be true, false, or { sources: [...] }');
  }
  const names = new Set<string>();
  for (const source of sources) {
    if (!isRecord(source) || typeof source.name !== 'string' || typeof source.collect !== 'function') {
      throw new TypeError('createClusterRpc: each of metrics.sources must have a name and a collect() function');
    }
    if (names.has(source.name)) throw new TypeError(`createClusterRpc: two metrics sources are named '${source.name}'`);
    names.add(source.name);
    if (source.primary !== undefined && typeof source.primary !== 'boolean') {
      throw new TypeError(
        `createClusterRpc: metrics source '${source.name}': primary must be a boolean, got ${String(source.primary)}`,
      );
    }
    const label = source.perWorkerLabel;
    if (label !== undefined && !isPerWorkerLabel(label)) {
      throw new TypeError(
        `createClusterRpc: metrics source '${source.name}': perWorkerLabel must be a Prometheus label name other than le and quantile, not starting with __, got ${JSON.stringify(label)}`,
      );
    }
  }
  return { sources: [...(sources as MetricsSource[])] };
}
