/** The stream cell (bench/README.md): throughput in rotating rounds in one worker, then a paced reader's memory. */
import { DEFAULT_HIGH_WATER_MARK } from '../../../src/engine/read-stream.js';
import { CONTROL_TIMEOUT_MS, collectGarbage, type ProcessStats, processStats } from '../control.js';
import type { Fleet } from '../fleet.js';
import { median, rotated, sleep } from '../stats.js';
import { openStreamReader, STREAM_PAYLOADS, type StreamContender, type StreamPayload } from './sides.js';

/** The cell ids, for `--only`. */
export const STREAM_CELL_IDS = ['stream/tiny', 'stream/4kb', 'stream/paced'] as const;

/** The larger high-water mark measured next to the default. */
const LARGE_HIGH_WATER_MARK = 256;

export interface StreamSettings {
  readonly rounds: number;
  readonly counts: Readonly<Record<StreamPayload, number>>;
  /** The paced case: 4 KB items, read one every `paceMs`, for `forMs`. */
  readonly paceMs: number;
  readonly forMs: number;
}

/** Every round of every contender, at the full default length. */
export function streamSettings(rounds: number, quick: boolean): StreamSettings {
  return quick
    ? { rounds: Math.min(rounds, 2), counts: { tiny: 50_000, '4kb': 5_000 }, paceMs: 1, forMs: 2_000 }
    : { rounds, counts: { tiny: 200_000, '4kb': 20_000 }, paceMs: 1, forMs: 5_000 };
}

interface Variant {
  readonly label: string;
  readonly contender: StreamContender;
  readonly highWaterMark?: number;
}

const VARIANTS: readonly Variant[] = [
  { label: 'raw', contender: 'raw' },
  ...[DEFAULT_HIGH_WATER_MARK, LARGE_HIGH_WATER_MARK].map((highWaterMark) => ({
    label: `cluster-rpc (highWaterMark ${highWaterMark})`,
    contender: 'cluster-rpc' as const,
    highWaterMark,
  })),
];

export interface StreamThroughput {
  readonly payload: StreamPayload;
  readonly variant: string;
  readonly itemsPerSec: number;
  readonly rounds: readonly number[];
  /** Over raw's median in the same run; 1 for raw. */
  readonly ratio: number;
  /** CPU time (user + system) per item of the primary (reading) and the worker (sending), µs, medians of the rounds. */
  readonly cpuMicrosPerItem: { readonly primary: number; readonly worker: number };
}

interface Measured {
  readonly itemsPerSec: number;
  readonly cpu: { readonly primary: number; readonly worker: number };
}

export interface StreamPaced {
  readonly highWaterMark: number;
  readonly itemsRead: number;
  /** Items the worker's generator had made beyond those read, at the last sample (a few more may have been read meanwhile). */
  readonly lead: number;
  readonly paceMs: number;
  readonly forMs: number;
  /** After 1 s of reading, and shortly before the end; each after a full collection. */
  readonly primary: { readonly first: ProcessStats; readonly last: ProcessStats };
  readonly worker: { readonly first: ProcessStats; readonly last: ProcessStats };
  /** RSS growth between the samples, MiB. */
  readonly growthMiB: { readonly primary: number; readonly worker: number };
}

/** A target of the stream cell and whether it was met. */
export interface StreamTarget {
  readonly name: string;
  readonly value: number;
  readonly target: string;
  readonly pass: boolean;
}

export interface StreamRecord {
  readonly settings: StreamSettings;
  readonly throughput: readonly StreamThroughput[];
  readonly paced: StreamPaced;
  readonly targets: readonly StreamTarget[];
}

/** RSS may grow by at most this much while the slow reader reads, in either process. */
const PACED_GROWTH_LIMIT_MIB = 16;

const MiB = 2 ** 20;

/** Runs the stream cell in one worker; `progress` hears which phase starts. */
export async function runStreamCell(
  fleet: Fleet,
  settings: StreamSettings,
  progress: (phase: string) => void,
): Promise<StreamRecord> {
  await fleet.resize(1);
  const line = fleet.lines[0];
  if (!line) throw new Error('no worker is running');

  const cpuNow = async () => ({
    primary: processStats(false).cpuMicros,
    worker: (await line.request({ op: 'stats', gc: false }, CONTROL_TIMEOUT_MS)).cpuMicros,
  });
  /** One phase: `count` items of `payload` through `variant`; items per second, and CPU time per item of each process. */
  const phase = (variant: Variant, payload: StreamPayload, count: number): Promise<Measured> =>
    withReader(line, variant.contender, variant.highWaterMark, async (reader) => {
      collectGarbage();
      const before = await cpuNow();
      const ms = await reader.read(payload, count, () => line.request({ op: 'stream-raw', payload, count }, 10 * 60_000));
      const after = await cpuNow();
      const cpu = { primary: (after.primary - before.primary) / count, worker: (after.worker - before.worker) / count };
      return { itemsPerSec: (count / ms) * 1000, cpu };
    });

  const throughput: StreamThroughput[] = [];
  for (const payload of STREAM_PAYLOADS) {
    const count = settings.counts[payload];
    // One short unrecorded pass each, so the first variant does not pay for the JIT alone.
    for (const variant of VARIANTS) await phase(variant, payload, Math.ceil(count / 10));
    const rounds = new Map<string, Measured[]>(VARIANTS.map((variant) => [variant.label, []]));
    for (let round = 0; round < settings.rounds; round++) {
      for (const variant of rotated(VARIANTS, round)) {
        progress(`stream/${payload} · round ${round + 1}/${settings.rounds} · ${variant.label}`);
        rounds.get(variant.label)?.push(await phase(variant, payload, count));
      }
    }
    const rateOf = (label: string): number[] => (rounds.get(label) ?? []).map((measured) => measured.itemsPerSec);
    const raw = median(rateOf('raw'));
    for (const variant of VARIANTS) {
      const measured = rounds.get(variant.label) ?? [];
      throughput.push({
        payload,
        variant: variant.label,
        itemsPerSec: median(rateOf(variant.label)),
        rounds: rateOf(variant.label),
        ratio: median(rateOf(variant.label)) / raw,
        cpuMicrosPerItem: {
          primary: median(measured.map((entry) => entry.cpu.primary)),
          worker: median(measured.map((entry) => entry.cpu.worker)),
        },
      });
    }
  }

  progress(`stream/paced · ${settings.forMs} ms`);
  const paced = await runPaced(line, settings);

  const ratioOf = (payload: StreamPayload, highWaterMark: number): number =>
    throughput.find((entry) => entry.payload === payload && entry.variant.endsWith(`(highWaterMark ${highWaterMark})`))?.ratio ??
    0;
  const targets: StreamTarget[] = [];
  for (const highWaterMark of [DEFAULT_HIGH_WATER_MARK, LARGE_HIGH_WATER_MARK]) {
    for (const [payload, least] of [
      ['tiny', 2],
      ['4kb', 0.9],
    ] as const) {
      const value = ratioOf(payload, highWaterMark);
      const name = `stream/${payload}, highWaterMark ${highWaterMark}: items/s over raw`;
      targets.push({ name, value, target: `≥ ${least}×`, pass: value >= least });
    }
  }
  const flat = Math.max(paced.growthMiB.primary, paced.growthMiB.worker);
  targets.push({
    name: 'stream/paced: RSS growth of either process, MiB',
    value: flat,
    target: `≤ ${PACED_GROWTH_LIMIT_MIB}`,
    pass: flat <= PACED_GROWTH_LIMIT_MIB && paced.lead <= paced.highWaterMark + 4,
  });
  return { settings, throughput, paced, targets };
}

/** The slow reader: one 4 KB item every `paceMs`, for `forMs`, from a generator that could make tens of thousands a second. */
async function runPaced(line: NonNullable<Fleet['lines'][number]>, settings: StreamSettings): Promise<StreamPaced> {
  const highWaterMark = DEFAULT_HIGH_WATER_MARK;
  return withReader(line, 'cluster-rpc', highWaterMark, async (reader) => {
    let read = 0;
    const reading = reader.readPaced('4kb', settings.paceMs, settings.forMs, (count) => {
      read = count;
    });
    const sample = async () => ({
      primary: processStats(true),
      worker: await line.request({ op: 'stats', gc: true }, CONTROL_TIMEOUT_MS),
    });
    await sleep(1000);
    const first = await sample();
    await sleep(Math.max(0, settings.forMs - 1500));
    const last = await sample();
    const readThen = read;
    const { produced } = await line.request({ op: 'stream-produced' }, CONTROL_TIMEOUT_MS);
    const itemsRead = await reading;
    return {
      highWaterMark,
      itemsRead,
      lead: produced - readThen,
      paceMs: settings.paceMs,
      forMs: settings.forMs,
      primary: { first: first.primary, last: last.primary },
      worker: { first: first.worker, last: last.worker },
      growthMiB: {
        primary: (last.primary.rssBytes - first.primary.rssBytes) / MiB,
        worker: (last.worker.rssBytes - first.worker.rssBytes) / MiB,
      },
    };
  });
}

/** Opens `contender`'s stream in the worker and its reader here, for `use`; closes both after. */
async function withReader<T>(
  line: NonNullable<Fleet['lines'][number]>,
  contender: StreamContender,
  highWaterMark: number | undefined,
  use: (reader: ReturnType<typeof openStreamReader>) => Promise<T>,
): Promise<T> {
  await line.request({ op: 'stream-open', contender }, CONTROL_TIMEOUT_MS);
  const reader = openStreamReader(contender, line.worker, highWaterMark);
  try {
    return await use(reader);
  } finally {
    await reader.close();
    await line.request({ op: 'stream-close' }, CONTROL_TIMEOUT_MS);
  }
}

/** The cell's table, for the terminal and the Markdown results. */
export function renderStreamTable(record: StreamRecord): string {
  const rows = record.throughput.map(
    (entry) =>
      `| stream/${entry.payload} | ${entry.variant} | ${Math.round(entry.itemsPerSec).toLocaleString('en-US')} | ${entry.ratio.toFixed(2)}× | ${entry.cpuMicrosPerItem.primary.toFixed(2)} + ${entry.cpuMicrosPerItem.worker.toFixed(2)} |`,
  );
  const paced = record.paced;
  const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
  const targets = record.targets.map(
    (target) => `| ${target.name} | ${target.value.toFixed(2)} | ${target.target} | ${target.pass ? 'PASS' : 'FAIL'} |`,
  );
  return [
    '| cell | contender | items/s (median) | vs raw | CPU µs/item, primary + worker |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
    '',
    `stream/paced: the primary read one 4 KB item every ${paced.paceMs} ms for ${paced.forMs / 1000} s (${paced.itemsRead.toLocaleString('en-US')} items) from a generator with highWaterMark ${paced.highWaterMark}; ` +
      `it had made ${paced.lead} item(s) beyond those read at the last sample. ` +
      `RSS after 1 s → near the end: primary ${mib(paced.primary.first.rssBytes)} → ${mib(paced.primary.last.rssBytes)} MiB, ` +
      `worker ${mib(paced.worker.first.rssBytes)} → ${mib(paced.worker.last.rssBytes)} MiB.`,
    '',
    '| target | value | target | |',
    '| --- | ---: | --- | --- |',
    ...targets,
  ].join('\n');
}
