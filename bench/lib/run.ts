/**
 * Runs the cells: every contender in turn, in an order that rotates each round, so a burst of noise from elsewhere lands on a
 * different contender each round and the median shrugs it off. Each phase starts from collected heaps and attaches only its own.
 */
import { type Cell, contendersOf, describeCell, type Figures, judge, type TargetOutcome } from './cells.js';
import { type ContenderName, openPrimaryContender } from './contenders/index.js';
import type { Operation } from './contenders/types.js';
import { CONTROL_TIMEOUT_MS, collectGarbage, type ProcessStats, processStats } from './control.js';
import { type DriveResult, type DriveSpec, drive } from './drive.js';
import type { Fleet } from './fleet.js';
import { errorText, median, rotated, spreadOf, withTimeout } from './stats.js';

/** Slack given to a phase on top of its own limits before it is declared hung. */
const PHASE_SLACK_MS = 120_000;
/** Slow cells (1 MB at concurrency 256 takes seconds per phase) stop adding rounds past this budget… */
const CELL_BUDGET_MS = 40_000;
/** …once they have this many. */
const MIN_ROUNDS = 3;

export interface PhaseRecord {
  readonly contender: ContenderName;
  readonly round: number;
  readonly result: DriveResult;
  /** Resident set sizes at the end of the window, in bytes. */
  readonly rss: { readonly primary: number; readonly workers: readonly number[] };
  /**
   * CPU time of the primary and the worker(s) together per call, from the start of the warm-up to the end of the drain, in µs.
   * Unlike calls/s, barely moved by other work on the machine.
   */
  readonly cpuMicrosPerCall: number;
  /** The same, the primary's and the workers' apart. */
  readonly cpuMicrosPerCallBySide: { readonly primary: number; readonly workers: number };
  /**
   * Times a process (any of them) went to sleep and was woken, per call, over the same span (Linux; NaN elsewhere). Waking an
   * idle process is most of a lone round trip's latency, so fewer is better.
   */
  readonly wakeupsPerCall: number;
  /** Calls still pending after the window drained: anything but 0 is a leak. */
  readonly pendingAfter: { readonly primary: number; readonly workers: readonly number[] };
}

/** A contender's medians over the rounds of one cell. */
export interface ContenderFigures extends Figures {
  /** RSS of the primary, MiB. */
  readonly rssPrimaryMiB: number;
  /** RSS of the workers (their mean in fan-out cells), MiB. */
  readonly rssWorkerMiB: number;
  /** Half the range of calls/s over the rounds, relative to the median: how far to trust a ratio. */
  readonly spread: number;
  readonly cpuMicrosPerCall: number;
  readonly cpuMicrosPerCallBySide: { readonly primary: number; readonly workers: number };
  readonly wakeupsPerCall: number;
  readonly errors: number;
  readonly leaked: number;
}

export interface CellRecord {
  readonly cell: Cell;
  readonly label: string;
  readonly phases: readonly PhaseRecord[];
  readonly figures: Partial<Record<ContenderName, ContenderFigures>>;
  readonly targets: readonly TargetOutcome[];
  /** Problems worth a line in the report: hung phases, errors, leaks. */
  readonly problems: readonly string[];
}

export interface RunSettings {
  /** The contenders asked for; see {@link contendersOf} for which of them a cell runs. */
  readonly contenders: readonly ContenderName[];
  readonly contendersGiven: boolean;
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly countedWarmup: boolean;
}

/** Told before each phase and after each cell, for progress. */
export interface RunObserver {
  phase(cell: Cell, round: number, contender: ContenderName): void;
  cell(record: CellRecord): void;
}

const MIB = 1024 * 1024;

/**
 * Operations a phase's warm-up also waits for: each phase starts with a new rpc object after a full collection, after which V8
 * runs much of the path unoptimised again (docs/design.md, "Fan-out is measured on warm code"), and re-optimising takes thousands
 * of operations; a fan-out operation is one event in each worker, so each worker process warms up on its own (see
 * bench/README.md).
 */
const MIN_WARMUP_OPERATIONS = 3000;
/** The longest a warm-up waits for them (slow payloads get there later, or not). */
const MAX_WARMUP_MS = { call: 2000, fanout: 6000 } as const;

function specFor(cell: Cell, settings: RunSettings): DriveSpec {
  const concurrency = cell.type === 'call' ? cell.concurrency : 1;
  return {
    concurrency,
    warmupMs: settings.warmupMs,
    minWarmupCalls: settings.countedWarmup ? MIN_WARMUP_OPERATIONS : 0,
    maxWarmupMs: settings.countedWarmup ? MAX_WARMUP_MS[cell.type === 'call' ? 'call' : 'fanout'] : 0,
    durationMs: settings.durationMs,
    // Slow cells still complete two full rounds of their lanes, within a cap.
    minCalls: Math.max(20, 2 * concurrency),
    maxMs: 5 * settings.durationMs,
  };
}

/** CPU time and wake-ups so far, the primary's apart. */
interface Usage {
  readonly primaryCpuMicros: number;
  readonly workersCpuMicros: number;
  readonly wakeups: number;
}

function usageOf(primary: ProcessStats, workers: readonly ProcessStats[]): Usage {
  const all = [primary, ...workers];
  return {
    primaryCpuMicros: primary.cpuMicros,
    workersCpuMicros: workers.reduce((sum, stat) => sum + stat.cpuMicros, 0),
    wakeups: all.some((stat) => stat.wakeups < 0) ? Number.NaN : all.reduce((sum, stat) => sum + stat.wakeups, 0),
  };
}

/** CPU time (µs) and wake-ups used so far by this process and every worker. */
async function usageOfAll(lines: Fleet['lines']): Promise<Usage> {
  const stats = await Promise.all(lines.map((line) => line.request({ op: 'stats', gc: false }, CONTROL_TIMEOUT_MS)));
  return usageOf(processStats(false), stats);
}

/** Runs one contender on one cell, once. */
async function runPhase(
  fleet: Fleet,
  cell: Cell,
  contender: ContenderName,
  spec: DriveSpec,
  round: number,
): Promise<PhaseRecord> {
  const lines = fleet.lines;
  const workers = fleet.workers;
  collectGarbage();
  await Promise.all(lines.map((line) => line.request({ op: 'stats', gc: true }, CONTROL_TIMEOUT_MS)));

  // The primary attaches first, so nothing the workers send on opening is missed.
  const side = openPrimaryContender(contender, workers);
  let measured: Omit<PhaseRecord, 'contender' | 'round' | 'pendingAfter'> | undefined;
  let failure: unknown;
  try {
    await side.ready;
    await Promise.all(lines.map((line) => line.request({ op: 'open', contender }, CONTROL_TIMEOUT_MS)));
    const before = await usageOfAll(lines);
    const limitMs = Math.max(spec.warmupMs, spec.maxWarmupMs) + spec.maxMs + PHASE_SLACK_MS;
    const what = `${contender} on ${cell.id} did not finish`;
    const first = workers[0];
    if (!first) throw new Error('no worker is running');
    const operation = (): Operation =>
      cell.type === 'broadcast'
        ? side.broadcaster(workers, cell.payload)
        : cell.type === 'callAll'
          ? side.callAllCaller(workers, cell.payload)
          : side.caller(first, cell.payload);
    const result: DriveResult =
      cell.type === 'call' && cell.direction === 'w2p'
        ? await (lines[0] as (typeof lines)[number]).request({ op: 'run', payload: cell.payload, spec }, limitMs)
        : await withTimeout(drive(operation(), spec), limitMs, what);
    const own = processStats(false);
    const stats = await Promise.all(lines.map((line) => line.request({ op: 'stats', gc: false }, CONTROL_TIMEOUT_MS)));
    const after = usageOf(own, stats);
    const calls = Math.max(1, result.completedTotal);
    const primaryMicros = (after.primaryCpuMicros - before.primaryCpuMicros) / calls;
    const workersMicros = (after.workersCpuMicros - before.workersCpuMicros) / calls;
    measured = {
      result,
      rss: { primary: own.rssBytes, workers: stats.map((stat) => stat.rssBytes) },
      cpuMicrosPerCall: primaryMicros + workersMicros,
      cpuMicrosPerCallBySide: { primary: primaryMicros, workers: workersMicros },
      wakeupsPerCall: (after.wakeups - before.wakeups) / calls,
    };
  } catch (error) {
    failure = error;
  }
  // Workers first: cluster-rpc workers say bye, then the primary closes.
  const closed = await Promise.allSettled(lines.map((line) => line.request({ op: 'close' }, CONTROL_TIMEOUT_MS)));
  const workerPending = closed.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.pending : -1));
  const primaryPending = side.pendingCount();
  await side.close();
  if (!measured) throw failure;
  return { contender, round, ...measured, pendingAfter: { primary: primaryPending, workers: workerPending } };
}

/** The medians of `phases` for one contender. */
function figuresOf(phases: readonly PhaseRecord[]): ContenderFigures {
  const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return {
    callsPerSec: median(phases.map((phase) => phase.result.callsPerSec)),
    p50Ms: median(phases.map((phase) => phase.result.p50Ms)),
    p99Ms: median(phases.map((phase) => phase.result.p99Ms)),
    rssPrimaryMiB: median(phases.map((phase) => phase.rss.primary)) / MIB,
    rssWorkerMiB: median(phases.map((phase) => mean(phase.rss.workers))) / MIB,
    cpuMicrosPerCall: median(phases.map((phase) => phase.cpuMicrosPerCall)),
    cpuMicrosPerCallBySide: {
      primary: median(phases.map((phase) => phase.cpuMicrosPerCallBySide.primary)),
      workers: median(phases.map((phase) => phase.cpuMicrosPerCallBySide.workers)),
    },
    wakeupsPerCall: median(phases.map((phase) => phase.wakeupsPerCall)),
    spread: spreadOf(phases.map((phase) => phase.result.callsPerSec)),
    errors: phases.reduce((sum, phase) => sum + phase.result.errors, 0),
    leaked: phases.reduce(
      (sum, phase) => sum + phase.pendingAfter.primary + phase.pendingAfter.workers.reduce((a, b) => a + Math.max(0, b), 0),
      0,
    ),
  };
}

/** Runs `cells` in order and returns their records. */
export async function runCells(
  fleet: Fleet,
  cells: readonly Cell[],
  settings: RunSettings,
  observer: RunObserver,
): Promise<CellRecord[]> {
  const records: CellRecord[] = [];
  for (const cell of cells) {
    await fleet.resize(cell.workers);
    const spec = specFor(cell, settings);
    const phases: PhaseRecord[] = [];
    const problems: string[] = [];
    const cellStarted = performance.now();
    const contenders = contendersOf(cell, settings.contenders, settings.contendersGiven);
    for (let round = 0; round < settings.rounds; round++) {
      if (round >= MIN_ROUNDS && performance.now() - cellStarted > CELL_BUDGET_MS) break;
      const order = rotated(contenders, round);
      for (const contender of order) {
        observer.phase(cell, round, contender);
        try {
          const phase = await runPhase(fleet, cell, contender, spec, round);
          phases.push(phase);
          if (phase.result.errors > 0) {
            problems.push(
              `${contender} round ${round + 1}: ${phase.result.errors} call(s) failed, first: ${phase.result.firstError}`,
            );
          }
        } catch (error) {
          problems.push(`${contender} round ${round + 1}: ${errorText(error)}`);
        }
      }
    }
    const figures: CellRecord['figures'] = {};
    for (const contender of contenders) {
      const own = phases.filter((phase) => phase.contender === contender);
      if (own.length === 0) continue;
      const figure = figuresOf(own);
      figures[contender] = figure;
      if (figure.leaked > 0) problems.push(`${contender}: ${figure.leaked} call(s) still pending after the window drained`);
    }
    const record: CellRecord = { cell, label: describeCell(cell), phases, figures, targets: judge(cell, figures), problems };
    records.push(record);
    observer.cell(record);
  }
  return records;
}
