/**
 * The memory cell (bench/README.md): samples taken between bursts of calls, on a quiet channel and after `gc()`, so they show what
 * the calls left behind rather than garbage not yet collected.
 */
import { MEMORY_GROWTH_LIMIT, MEMORY_VS_RAW_LIMIT } from './cells.js';
import { type ContenderName, openPrimaryContender } from './contenders/index.js';
import { CONTROL_TIMEOUT_MS, canCollectGarbage, type ProcessStats, processStats } from './control.js';
import type { Fleet } from './fleet.js';

/** Calls in flight during the memory cell. */
const MEMORY_CONCURRENCY = 64;
/** The first sample; the baseline the end is compared with is this one or a later one (see {@link baselineOf}). */
const BASELINE_CALLS = 100_000;
/** Samples after the baseline. */
const LATER_SAMPLES = 10;

export interface MemorySample {
  readonly calls: number;
  readonly primary: ProcessStats;
  readonly worker: ProcessStats;
  readonly pendingPrimary: number;
  readonly pendingWorker: number;
  /** Calls per second over the stretch before this sample. */
  readonly callsPerSec: number;
}

export interface MemoryRecord {
  readonly contender: ContenderName;
  readonly calls: number;
  readonly concurrency: number;
  readonly gcExposed: boolean;
  readonly samples: readonly MemorySample[];
  /** The calls after which the baseline sample was taken (see {@link baselineOf}). */
  readonly baselineCalls: number;
  readonly errors: number;
  /** RSS at the end over RSS at the baseline. */
  readonly growth: { readonly primary: number; readonly worker: number };
  /**
   * The same without V8's young generation (`new_space`), which V8 grows under a high allocation rate and which holds only
   * short-lived objects: what the calls retained, rather than how fast they allocated.
   */
  readonly growthWithoutNewSpace: { readonly primary: number; readonly worker: number };
  /** RSS growth within the limit in both processes, nothing pending, no errors. */
  readonly pass: boolean;
  /** The same judged on {@link growthWithoutNewSpace}. */
  readonly passWithoutNewSpace: boolean;
}

/** The call counts after which to sample: the baseline, then evenly up to `total`. */
function stops(total: number): number[] {
  const baseline = Math.min(BASELINE_CALLS, total);
  const points = [baseline];
  for (let index = 1; index <= LATER_SAMPLES; index++) {
    const point = Math.round(baseline + ((total - baseline) * index) / LATER_SAMPLES);
    if (point > (points.at(-1) ?? 0)) points.push(point);
  }
  return points;
}

/** V8's young generation, as committed, in both processes. */
function newSpaceOf(sample: MemorySample): number {
  return (sample.primary.heapCommittedBytes.new_space ?? 0) + (sample.worker.heapCommittedBytes.new_space ?? 0);
}

/**
 * The sample the end is compared with: the first one, from the first 100,000 calls on, after which V8 no longer grew its young
 * generation in either process (it does so under sustained fast allocation, for raw IPC as much as for cluster-rpc, and the
 * collection before each sample can shrink it again); the first sample if it never settles before the end.
 */
function baselineOf(samples: readonly MemorySample[]): MemorySample {
  const first = samples[0] as MemorySample;
  for (let index = 1; index < samples.length - 1; index++) {
    const sample = samples[index] as MemorySample;
    if (newSpaceOf(sample) <= newSpaceOf(samples[index - 1] as MemorySample)) return sample;
  }
  return first;
}

/**
 * Runs the memory cell with `total` calls of `contender` (cluster-rpc for the target; another contender gives the baseline to
 * compare with); `progress` hears of each sample.
 */
export async function runMemoryCell(
  fleet: Fleet,
  contender: ContenderName,
  total: number,
  progress: (sample: MemorySample, total: number) => void,
): Promise<MemoryRecord> {
  // A fresh worker for every contender: V8 keeps the young generation an earlier run grew.
  await fleet.resize(0);
  await fleet.resize(1);
  const line = fleet.lines[0];
  if (!line) throw new Error('no worker is running');
  const side = openPrimaryContender(contender, fleet.workers);
  const samples: MemorySample[] = [];
  let errors = 0;
  try {
    await line.request({ op: 'open', contender }, CONTROL_TIMEOUT_MS);
    let done = 0;
    for (const stop of stops(total)) {
      const burst = await line.request({ op: 'burst', calls: stop - done, concurrency: MEMORY_CONCURRENCY }, 10 * 60_000);
      errors += burst.errors;
      const callsPerSec = ((stop - done) / burst.ms) * 1000;
      done = stop;
      const worker = await line.request({ op: 'stats', gc: true }, CONTROL_TIMEOUT_MS);
      const sample: MemorySample = {
        calls: done,
        primary: processStats(true),
        worker,
        pendingPrimary: side.pendingCount(),
        pendingWorker: burst.pending,
        callsPerSec,
      };
      samples.push(sample);
      progress(sample, total);
    }
  } finally {
    await line.request({ op: 'close' }, CONTROL_TIMEOUT_MS).catch(() => undefined);
    await side.close();
  }
  const first = baselineOf(samples);
  const last = samples.at(-1) as MemorySample;
  const growth = {
    primary: last.primary.rssBytes / first.primary.rssBytes,
    worker: last.worker.rssBytes / first.worker.rssBytes,
  };
  const retained = (stats: ProcessStats): number => stats.rssBytes - (stats.heapCommittedBytes.new_space ?? 0);
  const growthWithoutNewSpace = {
    primary: retained(last.primary) / retained(first.primary),
    worker: retained(last.worker) / retained(first.worker),
  };
  const clean = last.pendingPrimary === 0 && last.pendingWorker === 0 && errors === 0;
  return {
    contender,
    calls: total,
    concurrency: MEMORY_CONCURRENCY,
    gcExposed: canCollectGarbage(),
    samples,
    baselineCalls: first.calls,
    errors,
    growth,
    growthWithoutNewSpace,
    pass: clean && growth.primary <= MEMORY_GROWTH_LIMIT && growth.worker <= MEMORY_GROWTH_LIMIT,
    passWithoutNewSpace:
      clean && growthWithoutNewSpace.primary <= MEMORY_GROWTH_LIMIT && growthWithoutNewSpace.worker <= MEMORY_GROWTH_LIMIT,
  };
}

/** RSS at the end over raw IPC's RSS at the end, per process, and whether both are within the limit. */
export interface MemoryVersusRaw {
  readonly primary: number;
  readonly worker: number;
  readonly pass: boolean;
}

/** Compares `memory`'s last sample with the raw IPC run's (`floor`) after the same number of calls. */
export function memoryVersusRaw(memory: MemoryRecord, floor: MemoryRecord): MemoryVersusRaw {
  const ours = memory.samples.at(-1);
  const raw = floor.samples.at(-1);
  if (!ours || !raw) return { primary: Number.NaN, worker: Number.NaN, pass: false };
  const primary = ours.primary.rssBytes / raw.primary.rssBytes;
  const worker = ours.worker.rssBytes / raw.worker.rssBytes;
  return { primary, worker, pass: primary <= MEMORY_VS_RAW_LIMIT && worker <= MEMORY_VS_RAW_LIMIT };
}
