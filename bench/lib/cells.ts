/** The cells in the order they run, the contenders each runs and the targets each is held to (bench/README.md). */
import type { ContenderName } from './contenders/types.js';
import { PAYLOAD_KINDS, PAYLOAD_LABELS, type PayloadKind } from './payloads.js';
import { formatRatio } from './stats.js';

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

/** The targets for `cell` (bench/README.md), judged on its contenders' figures; those that need a missing contender are left out. */
export function judge(cell: Cell, figures: Partial<Record<ContenderName, Figures>>): TargetOutcome[] {
  const outcomes: TargetOutcome[] = [];
  const check = (
    name: string,
    ours: ContenderName,
    base: ContenderName,
    key: keyof Figures,
    pass: (value: number) => boolean,
  ) => {
    const [mine, other] = [figures[ours], figures[base]];
    if (!mine || !other) return;
    const value = ratio(mine[key], other[key]);
    outcomes.push({ name, pass: pass(value), actual: formatRatio(value) });
  };
  const at = (payload: PayloadKind, concurrency?: number): boolean =>
    cell.type === 'call' && cell.payload === payload && (concurrency === undefined || cell.concurrency === concurrency);
  // Issue 13's, for cluster-rpc over Node's IPC channel.
  const crpc = 'cluster-rpc';
  if (at('tiny', 1)) check('p50 ≤ 1.15× raw', crpc, 'raw', 'p50Ms', (value) => value <= 1.15);
  const tinyMany = cell.type === 'call' && at('tiny') && cell.concurrency > 1;
  const minimum = tinyMany ? 1.6 : at('4kb', 64) ? 0.9 : at('100kb') ? 0.85 : at('1mb') ? 0.8 : 0;
  if (minimum > 0) check(`calls/s ≥ ${minimum}× raw`, crpc, 'raw', 'callsPerSec', (value) => value >= minimum);
  if (cell.type !== 'call' && cell.workers >= 16) {
    check('p50 time ≤ 1.2× raw+zod', crpc, 'raw+zod', 'p50Ms', (value) => value <= 1.2);
    check('p99 time ≤ 1.2× raw+zod', crpc, 'raw+zod', 'p99Ms', (value) => value <= 1.2);
  }
  check('> birpc+sj+zod', crpc, 'birpc+sj+zod', 'callsPerSec', (value) => value > 1);
  if (at('tiny', 64)) {
    check('with metrics ≥ 0.90× cluster-rpc', 'cluster-rpc+metrics', crpc, 'callsPerSec', (value) => value >= 0.9);
    check('with otelTracing(), no SDK, ≥ 0.95× cluster-rpc', 'cluster-rpc+otel', crpc, 'callsPerSec', (value) => value >= 0.95);
  }
  // Issue 25's, for cluster-rpc over the socket, named `socket: …`, against raw IPC and raw+zod over IPC.
  const socket = 'cluster-rpc/socket';
  if (at('tiny', 1)) check('socket: p50 ≤ 0.95× raw', socket, 'raw', 'p50Ms', (value) => value <= 0.95);
  const least = at('tiny', 64) ? 1.6 : at('100kb', 16) ? 0.9 : 0;
  if (least > 0) check(`socket: calls/s ≥ ${least}× raw`, socket, 'raw', 'callsPerSec', (value) => value >= least);
  if (cell.type === 'broadcast' && cell.workers >= 16) {
    check('socket: p50 time ≤ 1.0× raw+zod', socket, 'raw+zod', 'p50Ms', (value) => value <= 1);
  }
  return outcomes;
}

/** The memory target: RSS after the last call within this factor of RSS after the first stretch (100,000 calls). */
export const MEMORY_GROWTH_LIMIT = 1.05;

/** …and within this factor of raw IPC's RSS after the same calls in the same run. */
export const MEMORY_VS_RAW_LIMIT = 1.1;
