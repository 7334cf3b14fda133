/** cluster-rpc's metrics and its sources' as Prometheus' text format 0.0.4. @module */
import { type Gathered, PRIMARY_SLOT } from './gather.js';
import { type MergedFamily, mergeFamilies } from './merge.js';
import { escapeHelp, labelsText, numberText } from './rendered.js';
import {
  LATENCY_BUCKETS_SECONDS,
  type LatencyCounts,
  type MetricFamily,
  type MetricsSource,
  type ProcessMetrics,
  type StreamCounts,
} from './types.js';

const BUCKET_BOUNDS = LATENCY_BUCKETS_SECONDS.map(String);

/** A family being built: series text (labels only, or a suffix and labels) and values. */
class FamilyBuilder implements MergedFamily {
  readonly series: string[] = [];
  readonly values: number[] = [];

  constructor(
    readonly name: string,
    readonly type: MetricFamily['type'],
    readonly help: string,
  ) {}

  add(labels: Readonly<Record<string, string>>, value: number, suffix = ''): void {
    this.series.push(suffix + (labelsText(labels) ?? ''));
    this.values.push(value);
  }
}

/** One series per code, `OK` for the ones that did not fail. */
function addByCode(
  family: FamilyBuilder,
  labels: Readonly<Record<string, string>>,
  ended: number,
  failures: Readonly<Record<string, number>>,
): void {
  let failed = 0;
  for (const count of Object.values(failures)) failed += count;
  family.add({ ...labels, code: 'OK' }, ended - failed);
  for (const [code, count] of Object.entries(failures)) family.add({ ...labels, code }, count);
}

function addHistogram(
  family: FamilyBuilder,
  labels: Readonly<Record<string, string>>,
  latency: LatencyCounts,
  count: number,
): void {
  let cumulative = 0;
  BUCKET_BOUNDS.forEach((bound, index) => {
    cumulative += latency.counts[index] ?? 0;
    family.add({ ...labels, le: bound }, cumulative, '_bucket');
  });
  family.add({ ...labels, le: '+Inf' }, count, '_bucket');
  family.add(labels, latency.sumSeconds, '_sum');
  family.add(labels, count, '_count');
}

interface ProcedureSide {
  readonly procedure: string;
  readonly side: string;
}

/**
 * A gauge with one series per procedure and side, however many processes: zero for each one the totals know, plus what
 * each process that answered reports.
 */
function summedGauge(
  name: string,
  help: string,
  known: readonly ProcedureSide[],
  gauges: readonly (ProcedureSide & { readonly value: number })[],
): FamilyBuilder {
  const sums = new Map<string, { readonly procedure: string; readonly side: string; value: number }>();
  const keyOf = ({ procedure, side }: ProcedureSide): string => `${side}\u0000${procedure}`;
  for (const { procedure, side } of known) sums.set(keyOf({ procedure, side }), { procedure, side, value: 0 });
  for (const gauge of gauges) {
    const sum = sums.get(keyOf(gauge));
    if (sum) sum.value += gauge.value;
    else sums.set(keyOf(gauge), { procedure: gauge.procedure, side: gauge.side, value: gauge.value });
  }
  const family = new FamilyBuilder(name, 'gauge', help);
  for (const { procedure, side, value } of sums.values()) family.add({ procedure, side }, value);
  return family;
}

/** The stream families: started, ended by code, items, duration, and open (summed over the processes that answered). */
function streamFamilies(totals: readonly StreamCounts[], processes: readonly ProcessMetrics[]): FamilyBuilder[] {
  const started = new FamilyBuilder(
    'cluster_rpc_streams_started_total',
    'counter',
    'Streams that started, by procedure and side.',
  );
  const ended = new FamilyBuilder(
    'cluster_rpc_streams_total',
    'counter',
    'Streams that ended, by procedure, side and code (OK when the producer finished, or the RpcError code).',
  );
  const items = new FamilyBuilder(
    'cluster_rpc_stream_items_total',
    'counter',
    'Stream items, by procedure and side: sent (served) or received (made).',
  );
  const durations = new FamilyBuilder(
    'cluster_rpc_stream_duration_seconds',
    'histogram',
    'How long streams lasted, by procedure and side, from their start to their end.',
  );
  for (const entry of totals) {
    const labels = { procedure: entry.procedure, side: entry.side };
    started.add(labels, entry.started);
    addByCode(ended, labels, entry.ended, entry.failures);
    items.add(labels, entry.items);
    addHistogram(durations, labels, entry.duration, entry.ended);
  }
  const openFamily = summedGauge(
    'cluster_rpc_streams_open',
    'Streams open, by procedure and side, summed over the processes that answered.',
    totals,
    processes.flatMap((process) => process.openStreams.map((gauge) => ({ ...gauge, value: gauge.streams }))),
  );
  return [started, ended, items, durations, openFamily];
}

function ownFamilies({ metrics, slots }: Gathered): MergedFamily[] {
  const { totals, processes, missing } = metrics;
  const calls = new FamilyBuilder(
    'cluster_rpc_calls_total',
    'counter',
    'Calls that ended, by procedure, side (served or made) and code (OK or the RpcError code), over every process.',
  );
  const durations = new FamilyBuilder(
    'cluster_rpc_call_duration_seconds',
    'histogram',
    'How long calls took, by procedure and side: served from arrival to answer, made from the call to its settling.',
  );
  for (const entry of totals.calls) {
    const labels = { procedure: entry.procedure, side: entry.side };
    addByCode(calls, labels, entry.calls, entry.failures);
    addHistogram(durations, labels, entry.latency, entry.calls);
  }
  const inFlightFamily = summedGauge(
    'cluster_rpc_calls_in_flight',
    'Calls under way, by procedure and side, summed over the processes that answered.',
    totals.calls,
    processes.flatMap((process) => process.inFlight.map((gauge) => ({ ...gauge, value: gauge.calls }))),
  );
  const streams = streamFamilies(totals.streams, processes);
  const events = new FamilyBuilder(
    'cluster_rpc_events_total',
    'counter',
    'Events sent and received (valid, handed to listeners), by name and direction, over every process.',
  );
  for (const entry of totals.events) {
    events.add({ event: entry.event, direction: 'sent' }, entry.sent);
    events.add({ event: entry.event, direction: 'received' }, entry.received);
  }
  const up = new FamilyBuilder(
    'cluster_rpc_process_up',
    'gauge',
    'Whether each process answered this gather (1) or not in time (0), by worker slot (or primary).',
  );
  const answers = [
    ...processes.map((process) => ({ slot: slots.get(process.workerId), up: 1 })),
    ...missing.map((worker) => ({ slot: slots.get(worker.workerId), up: 0 })),
  ];
  const rank = (slot: string | undefined): number => (slot === PRIMARY_SLOT ? -1 : Number(slot));
  answers.sort((a, b) => rank(a.slot) - rank(b.slot));
  for (const { slot, up: value } of answers) if (slot !== undefined) up.add({ worker: slot }, value);
  const counter = (name: string, help: string, value: number): MergedFamily => ({
    name,
    help,
    type: 'counter',
    series: [''],
    values: [value],
  });
  return [
    calls,
    durations,
    inFlightFamily,
    ...streams,
    events,
    counter('cluster_rpc_worker_joins_total', 'Workers that joined the primary.', totals.workers.joins),
    counter('cluster_rpc_worker_exits_total', 'Workers that exited or whose channel closed.', totals.workers.exits),
    counter('cluster_rpc_worker_restarts_total', 'Workers that joined after one exited: replacements.', totals.workers.restarts),
    up,
  ];
}

/** cluster-rpc's metrics, then each source's merged as the primary's copy of it asks; each name once. */
export function prometheusText(gathered: Gathered, sources: readonly MetricsSource[]): string {
  const families = ownFamilies(gathered);
  const perWorkerLabels = new Map(sources.map((source) => [source.name, source.perWorkerLabel]));
  for (const [name, { processes, retired }] of gathered.sources) {
    families.push(...mergeFamilies(processes, retired, perWorkerLabels.get(name)));
  }
  return writeFamilies(families);
}

/** Each name once; families without series are left out. */
function writeFamilies(families: readonly MergedFamily[]): string {
  const written = new Set<string>();
  let text = '';
  for (const { name, help, type, series, values } of families) {
    if (series.length === 0 || written.has(name)) continue;
    written.add(name);
    text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (let index = 0; index < series.length; index++) {
      text += `${name}${series[index]} ${numberText(values[index] as number)}\n`;
    }
  }
  return text;
}
