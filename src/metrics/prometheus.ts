/**
 * Prometheus' text format 0.0.4: cluster-rpc's metrics and its sources'
 * as families, then written out (`# HELP`, `# TYPE`, one line per sample).
 *
 * @module
 */
import type { Gathered } from './gather.js';
import { LATENCY_BUCKETS_SECONDS, type MetricFamily, type MetricSample } from './types.js';

/** The `worker` label of a process: `primary` or the worker's id. */
function workerLabel(workerId: number): string {
  return workerId === 0 ? 'primary' : String(workerId);
}

function sample(name: string, labels: Record<string, string>, value: number): MetricSample {
  return { name, labels, value };
}

/** cluster-rpc's own families, from a gather. */
function ownFamilies({ metrics }: Gathered): MetricFamily[] {
  const { totals, processes, missing } = metrics;
  const calls: MetricSample[] = [];
  const durations: MetricSample[] = [];
  for (const entry of totals.calls) {
    const labels = { procedure: entry.procedure, side: entry.side };
    let failed = 0;
    for (const [code, count] of Object.entries(entry.failures)) {
      calls.push(sample('cluster_rpc_calls_total', { ...labels, code }, count));
      failed += count;
    }
    calls.unshift(sample('cluster_rpc_calls_total', { ...labels, code: 'OK' }, entry.calls - failed));
    let cumulative = 0;
    LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
      cumulative += entry.latency.counts[index] ?? 0;
      durations.push(sample('cluster_rpc_call_duration_seconds_bucket', { ...labels, le: String(bound) }, cumulative));
    });
    durations.push(sample('cluster_rpc_call_duration_seconds_bucket', { ...labels, le: '+Inf' }, entry.calls));
    durations.push(sample('cluster_rpc_call_duration_seconds_sum', labels, entry.latency.sumSeconds));
    durations.push(sample('cluster_rpc_call_duration_seconds_count', labels, entry.calls));
  }
  const inFlight: MetricSample[] = [];
  for (const process of processes) {
    for (const gauge of process.inFlight) {
      const labels = { procedure: gauge.procedure, side: gauge.side, worker: workerLabel(process.workerId) };
      inFlight.push(sample('cluster_rpc_calls_in_flight', labels, gauge.calls));
    }
  }
  const events: MetricSample[] = [];
  for (const entry of totals.events) {
    events.push(sample('cluster_rpc_events_total', { event: entry.event, direction: 'sent' }, entry.sent));
    events.push(sample('cluster_rpc_events_total', { event: entry.event, direction: 'received' }, entry.received));
  }
  const up = [
    ...processes.map((process) => sample('cluster_rpc_process_up', { worker: workerLabel(process.workerId) }, 1)),
    ...missing.map((worker) => sample('cluster_rpc_process_up', { worker: workerLabel(worker.workerId) }, 0)),
  ];
  const counter = (name: string, help: string, value: number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: [sample(name, {}, value)],
  });
  return [
    {
      name: 'cluster_rpc_calls_total',
      help: 'Calls that ended, by procedure, side (served or made) and code (OK or the RpcError code), over every process.',
      type: 'counter',
      samples: calls,
    },
    {
      name: 'cluster_rpc_call_duration_seconds',
      help: 'How long calls took, by procedure and side: served from arrival to answer, made from the call to its settling.',
      type: 'histogram',
      samples: durations,
    },
    {
      name: 'cluster_rpc_calls_in_flight',
      help: 'Calls under way, by procedure, side and process (worker id, or primary).',
      type: 'gauge',
      samples: inFlight,
    },
    {
      name: 'cluster_rpc_events_total',
      help: 'Events sent and received (valid, handed to listeners), by name and direction, over every process.',
      type: 'counter',
      samples: events,
    },
    counter('cluster_rpc_worker_joins_total', 'Workers that joined the primary.', totals.workers.joins),
    counter('cluster_rpc_worker_exits_total', 'Workers that exited or whose channel closed.', totals.workers.exits),
    counter('cluster_rpc_worker_restarts_total', 'Workers that joined after one exited: replacements.', totals.workers.restarts),
    {
      name: 'cluster_rpc_process_up',
      help: 'Whether each process answered this gather (1) or not in time (0).',
      type: 'gauge',
      samples: up,
    },
  ];
}

/** The sources' families: counters and histograms summed, the rest per process with a `worker` label. */
function sourceFamilies({ answered, sourceTotals }: Gathered): MetricFamily[] {
  const merged = new Map<string, { family: Omit<MetricFamily, 'samples'>; samples: MetricSample[] }>();
  const familyOf = (family: MetricFamily) => {
    let entry = merged.get(family.name);
    if (!entry) {
      entry = { family: { name: family.name, help: family.help, type: family.type }, samples: [] };
      merged.set(family.name, entry);
    }
    return entry;
  };
  for (const families of sourceTotals.values()) {
    for (const family of families) familyOf(family).samples.push(...family.samples);
  }
  for (const { workerId, sources } of answered) {
    for (const families of Object.values(sources)) {
      for (const family of families) {
        if (family.type === 'counter' || family.type === 'histogram') continue;
        const entry = familyOf(family);
        if (entry.family.type !== family.type) continue;
        for (const one of family.samples) {
          entry.samples.push(sample(one.name, { ...one.labels, worker: workerLabel(workerId) }, one.value));
        }
      }
    }
  }
  return [...merged.values()].map(({ family, samples }) => ({ ...family, samples }));
}

/** The text of a gather: cluster-rpc's metrics, then its sources'. */
export function prometheusText(gathered: Gathered): string {
  const own = ownFamilies(gathered);
  const taken = new Set(own.map((family) => family.name));
  const sources = sourceFamilies(gathered).filter((family) => !taken.has(family.name));
  return writeFamilies([...own, ...sources]);
}

/** Writes families in text format 0.0.4. Families without samples are left out. */
export function writeFamilies(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    if (family.samples.length === 0 || !METRIC_NAME.test(family.name)) continue;
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const one of orderedSamples(family)) {
      if (!METRIC_NAME.test(one.name)) continue;
      text += `${one.name}${labelsText(one.labels)} ${valueText(one.value)}\n`;
    }
  }
  return text;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A histogram's samples grouped by series (bucket lines in order of `le`, then sum and count); others as given. */
function orderedSamples(family: MetricFamily): readonly MetricSample[] {
  if (family.type !== 'histogram' && family.type !== 'summary') return family.samples;
  const groups = new Map<string, MetricSample[]>();
  for (const one of family.samples) {
    const { le: _le, quantile: _quantile, ...rest } = one.labels;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(one);
  }
  const rank = (one: MetricSample): number => {
    if (one.name.endsWith('_sum')) return Number.MAX_VALUE;
    if (one.name.endsWith('_count')) return Number.POSITIVE_INFINITY;
    const bound = one.labels.le ?? one.labels.quantile;
    return bound === '+Inf' ? Number.MAX_SAFE_INTEGER : Number(bound);
  };
  return [...groups.values()].flatMap((group) => group.sort((a, b) => rank(a) - rank(b)));
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels)
    .filter(([name]) => LABEL_NAME.test(name))
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function escapeHelp(help: string): string {
  return help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
