/** The cells in the order they run, the contenders each runs and the targets each is held to (bench/README.md). */
import type { ContenderName } from './contenders/types.js';
import { PAYLOAD_KINDS, PAYLOAD_LABELS, type PayloadKind } from './payloads.js';

export type Direction = 'w2p' | 'p2w';

export type Cell =
  | {
      readonly id: string;
      readonly type: 'call';
      readonly payload: PayloadKind;
      readonly concurrency: number;
      readonly direction: Direction;
      readonly workers: 1;
    }
  | { readonly id: string; readonly type: 'broadcast' | 'callAll'; readonly payload: PayloadKind; readonly workers: number };

export const CONCURRENCIES = [1, 64, 256] as const;

/** 100 KB calls also run 16 in flight: issue 25's cell for the socket. */
const CONCURRENCIES_100KB = [1, 16, 64, 256] as const;

/** The fan-out sizes of broadcast cells; `callAll` uses the largest. */
export const DEFAULT_FANOUTS = [2, 4, 8, 16] as const;

/** Payloads of the fan-out cells: tiny at every size, and 100 KB at the largest. */
const LARGE_FANOUT_PAYLOAD: PayloadKind = '100kb';

/** The cells `--quick` runs (each kept only if the filters allow it). */
export const QUICK_CELLS = ['tiny/c1/w2p', 'tiny/c64/w2p', 'tiny/c64/p2w', '4kb/c64/w2p', '100kb/c64/w2p', 'bcast/16/tiny'];

/**
 * Cells left out of the default run, to keep it near ten minutes, and run when `--only` names them: 100 KB and 1 MB at
 * concurrency 256. They measure the same throughput as concurrency 64 plus queueing, and cost minutes (256 lanes of 1 MB calls
 * each finish a call before the window opens; with superjson, birpc+sj+zod does about ten such calls a second).
 */
export function isExtraCell(cell: Cell): boolean {
  return cell.type === 'call' && cell.concurrency === 256 && (cell.payload === '100kb' || cell.payload === '1mb');
}

/** Every cell, in run order: point to point first (one worker), then fan-outs by growing size. */
export function allCells(fanouts: readonly number[]): Cell[] {
  const cells: Cell[] = [];
  for (const payload of PAYLOAD_KINDS) {
    for (const concurrency of payload === '100kb' ? CONCURRENCIES_100KB : CONCURRENCIES) {
      for (const direction of ['w2p', 'p2w'] as const) {
        cells.push({ id: `${payload}/c${concurrency}/${direction}`, type: 'call', payload, concurrency, direction, workers: 1 });
      }
    }
  }
  const sizes = [...new Set(fanouts)].sort((a, b) => a - b);
  const largest = sizes.at(-1);
  for (const workers of sizes) {
    cells.push({ id: `bcast/${workers}/tiny`, type: 'broadcast', payload: 'tiny', workers });
    if (workers === largest) {
      cells.push({ id: `bcast/${workers}/${LARGE_FANOUT_PAYLOAD}`, type: 'broadcast', payload: LARGE_FANOUT_PAYLOAD, workers });
      cells.push({ id: `callall/${workers}/tiny`, type: 'callAll', payload: 'tiny', workers });
      cells.push({ id: `callall/${workers}/${LARGE_FANOUT_PAYLOAD}`, type: 'callAll', payload: LARGE_FANOUT_PAYLOAD, workers });
    }
  }
  return cells;
}

/** How tables name a cell: `tiny (64 B) c=64 worker→primary`. */
export function describeCell(cell: Cell): string {
  const size = PAYLOAD_LABELS[cell.payload];
  switch (cell.type) {
    case 'call':
      return `${size} c=${cell.concurrency} ${cell.direction === 'w2p' ? 'worker→primary' : 'primary→worker'}`;
    case 'broadcast':
      return `broadcast+ack ×${cell.workers} ${size}`;
    case 'callAll':
      return `callAll ×${cell.workers} ${size}`;
  }
}

/**
 * The contenders a cell runs: those asked for; by default `raw+zod` only where it is the target's floor (the fan-out cells), and
 * `birpc+sj+zod` not in the 1 MB cells above concurrency 1.
 */
export function contendersOf(cell: Cell, contenders: readonly ContenderName[], given: boolean): ContenderName[] {
  if (given) return [...contenders];
  // The metrics and tracing costs (issues 15, 24) are measured where they are largest relative to the call: tiny calls at c=64.
  const withMetrics = cell.type === 'call' && cell.payload === 'tiny' && cell.concurrency === 64;
  // superjson takes about 300 ms per 1 MB round trip here: birpc+sj+zod's 64 lanes of 1 MB would need 20 s to warm up and as long
  // to drain, per phase, for the ratio concurrency 1 shows already.
  const slowPeer = cell.type === 'call' && cell.payload === '1mb' && cell.concurrency > 1;
  return contenders.filter(
    (name) =>
      (name !== 'raw+zod' || cell.type !== 'call') &&
      ((name !== 'cluster-rpc+metrics' && name !== 'cluster-rpc+otel' && name !== 'cluster-rpc+otel-sdk') || withMetrics) &&
      (name !== 'birpc+sj+zod' || !slowPeer),
  );
}

/** The median figures of one contender in one cell. */
export interface Figures {
  readonly callsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One target a cell is held to, and how it fared. */
export interface TargetOutcome {
  /** `p50 ≤ 1.15× raw`, `≥ 1.6× raw`, `> birpc+sj+zod`… */
  readonly name: string;
  readonly pass: boolean;
  /** The figure compared, e.g. `1.12×`. */
  readonly actual: string;
}

function ratio(value: number, base: number): number {
  return base > 0 ? value / base : Number.NaN;
}

function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

/**
 * The issue 13 targets for `cell`, judged on the figures of its contenders. Missing contenders make the targets that need them
 * disappear.
 */
export function judge(cell: Cell, figures: Partial<Record<ContenderName, Figures>>): TargetOutcome[] {
  return [...judgeIpc(cell, figures), ...judgeSocket(cell, figures)];
}

/** Issue 25's targets for cluster-rpc over the socket, named `socket: …`: against raw IPC and raw+zod over IPC. */
function judgeSocket(cell: Cell, figures: Partial<Record<ContenderName, Figures>>): TargetOutcome[] {
  const ours = figures['cluster-rpc/socket'];
  const raw = figures.raw;
  const rawZod = figures['raw+zod'];
  if (!ours) return [];
  const outcomes: TargetOutcome[] = [];
  if (cell.type === 'call' && raw) {
    if (cell.payload === 'tiny' && cell.concurrency === 1) {
      const value = ratio(ours.p50Ms, raw.p50Ms);
      outcomes.push({ name: 'socket: p50 ≤ 0.95× raw', pass: value <= 0.95, actual: times(value) });
    }
    const minimum =
      cell.payload === 'tiny' && cell.concurrency === 64 ? 1.6 : cell.payload === '100kb' && cell.concurrency === 16 ? 0.9 : 0;
    if (minimum > 0) {
      const value = ratio(ours.callsPerSec, raw.callsPerSec);
      outcomes.push({ name: `socket: calls/s ≥ ${minimum}× raw`, pass: value >= minimum, actual: times(value) });
    }
  }
  if (cell.type === 'broadcast' && cell.workers >= 16 && rawZod) {
    const value = ratio(ours.p50Ms, rawZod.p50Ms);
    outcomes.push({ name: 'socket: p50 time ≤ 1.0× raw+zod', pass: value <= 1, actual: times(value) });
  }
  return outcomes;
}

/** Issue 13's targets for cluster-rpc over Node's IPC channel. */
function judgeIpc(cell: Cell, figures: Partial<Record<ContenderName, Figures>>): TargetOutcome[] {
  const raw = figures.raw;
  const rawZod = figures['raw+zod'];
  const peer = figures['birpc+sj+zod'];
  const ours = figures['cluster-rpc'];
  if (!ours) return [];
  const outcomes: TargetOutcome[] = [];
  const atLeast = (minimum: number): void => {
    if (!raw) return;
    const value = ratio(ours.callsPerSec, raw.callsPerSec);
    outcomes.push({ name: `calls/s ≥ ${minimum}× raw`, pass: value >= minimum, actual: times(value) });
  };
  const latencyAtMost = (maximum: number, key: 'p50Ms' | 'p99Ms', base: Figures | undefined, baseName: string): void => {
    if (!base) return;
    const value = ratio(ours[key], base[key]);
    const what = `${key === 'p50Ms' ? 'p50' : 'p99'}${cell.type === 'call' ? '' : ' time'}`;
    outcomes.push({ name: `${what} ≤ ${maximum}× ${baseName}`, pass: value <= maximum, actual: times(value) });
  };
  if (cell.type === 'call') {
    if (cell.payload === 'tiny' && cell.concurrency === 1) latencyAtMost(1.15, 'p50Ms', raw, 'raw');
    if (cell.payload === 'tiny' && cell.concurrency > 1) atLeast(1.6);
    if (cell.payload === '4kb' && cell.concurrency === 64) atLeast(0.9);
    if (cell.payload === '100kb') atLeast(0.85);
    if (cell.payload === '1mb') atLeast(0.8);
  } else if (cell.workers >= 16) {
    latencyAtMost(1.2, 'p50Ms', rawZod, 'raw+zod');
    latencyAtMost(1.2, 'p99Ms', rawZod, 'raw+zod');
  }
  if (peer) {
    const value = ratio(ours.callsPerSec, peer.callsPerSec);
    outcomes.push({ name: '> birpc+sj+zod', pass: value > 1, actual: times(value) });
  }
  const metered = figures['cluster-rpc+metrics'];
  if (metered && cell.type === 'call' && cell.payload === 'tiny' && cell.concurrency === 64) {
    const value = ratio(metered.callsPerSec, ours.callsPerSec);
    outcomes.push({ name: 'with metrics ≥ 0.90× cluster-rpc', pass: value >= 0.9, actual: times(value) });
  }
  const traced = figures['cluster-rpc+otel'];
  if (traced && cell.type === 'call' && cell.payload === 'tiny' && cell.concurrency === 64) {
    const value = ratio(traced.callsPerSec, ours.callsPerSec);
    outcomes.push({ name: 'with otelTracing(), no SDK, ≥ 0.95× cluster-rpc', pass: value >= 0.95, actual: times(value) });
  }
  return outcomes;
}

/** The memory target: RSS after the last call within this factor of RSS after the first stretch (100,000 calls). */
export const MEMORY_GROWTH_LIMIT = 1.05;

/** …and within this factor of raw IPC's RSS after the same calls in the same run. */
export const MEMORY_VS_RAW_LIMIT = 1.1;
