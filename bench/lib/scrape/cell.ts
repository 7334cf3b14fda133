/**
 * The scrape cell (bench/README.md). A round's figure is its median and the cell's the median of the rounds: scrapes of a few ms on
 * a shared machine vary by tens of percent from one stretch of 20 to the next.
 */
import { AggregatorRegistry, Registry } from 'prom-client';
import { createClusterRpc } from '../../../src/index.js';
import { promClientMetrics } from '../../../src/prom-client.js';
import { CONTROL_TIMEOUT_MS } from '../control.js';
import type { Fleet } from '../fleet.js';
import { SCRAPE_SERIES } from './series.js';

const SCRAPE_WORKERS = 4;
/** Scrapes of each contender that are measured in a round. */
const MEASURED_SCRAPES = 20;
/** Scrapes of each contender before, not measured. */
const WARMUP_SCRAPES = 20;
/** Scrapes of each contender, one contender at a time, whose CPU time is measured. */
const CPU_SCRAPES = 50;
/** cluster-rpc's median over prom-client's, at most. */
const SCRAPE_RATIO_LIMIT = 1;

export interface ScrapeFigures {
  /** The median of the rounds' medians. */
  readonly medianMs: number;
  /** Over every measured scrape. */
  readonly p90Ms: number;
  /** What the workers sent for one scrape, in JSON bytes. */
  readonly wireBytes: number;
  readonly textBytes: number;
  /** CPU time per scrape, in microseconds: the primary's, and the workers' together. */
  readonly cpuMicros: { readonly primary: number; readonly workers: number };
}

export interface ScrapeRecord {
  readonly workers: number;
  readonly seriesPerWorker: number;
  /** Measured scrapes of each contender per round. */
  readonly scrapes: number;
  readonly rounds: number;
  readonly clusterRpc: ScrapeFigures;
  readonly promClient: ScrapeFigures;
  /** Each round's cluster-rpc median over prom-client's. */
  readonly roundRatios: readonly number[];
  /** The median of `roundRatios`. */
  readonly ratio: number;
  readonly pass: boolean;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function timed(scrape: () => Promise<string>): Promise<{ readonly ms: number; readonly text: string }> {
  const started = performance.now();
  const text = await scrape();
  return { ms: performance.now() - started, text };
}

/** Runs the cell on {@link SCRAPE_WORKERS} fresh workers. */
export async function runScrapeCell(fleet: Fleet, rounds: number, progress: (phase: string) => void): Promise<ScrapeRecord> {
  await fleet.resize(SCRAPE_WORKERS);
  const lines = fleet.lines;
  await Promise.all(lines.map((line, index) => line.request({ op: 'scrape-open', seed: index + 1 }, CONTROL_TIMEOUT_MS)));
  const aggregator = new AggregatorRegistry();
  const rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(new Registry())] } });
  const ours = (): Promise<string> => rpc.primary.metrics({ format: 'prometheus', timeout: CONTROL_TIMEOUT_MS });
  const theirs = (): Promise<string> => aggregator.clusterMetrics();
  try {
    // Every worker's rpc object has joined once the primary sees them all.
    while (rpc.primary.workers().length < SCRAPE_WORKERS) await new Promise((resolve) => setTimeout(resolve, 10));
    const times = { ours: [] as number[], theirs: [] as number[] };
    const medians = { ours: [] as number[], theirs: [] as number[] };
    let texts = { ours: '', theirs: '' };
    const total = WARMUP_SCRAPES + rounds * MEASURED_SCRAPES;
    for (let index = 0; index < total; index++) {
      const round = Math.floor((index - WARMUP_SCRAPES) / MEASURED_SCRAPES);
      progress(index < WARMUP_SCRAPES ? `warm-up scrape ${index + 1}/${WARMUP_SCRAPES}` : `round ${round + 1}/${rounds}`);
      const first = index % 2 === 0 ? ours : theirs;
      const second = first === ours ? theirs : ours;
      const a = await timed(first);
      const b = await timed(second);
      const [mine, other] = first === ours ? [a, b] : [b, a];
      if (index >= WARMUP_SCRAPES) {
        times.ours.push(mine.ms);
        times.theirs.push(other.ms);
        if ((index - WARMUP_SCRAPES + 1) % MEASURED_SCRAPES === 0) {
          medians.ours.push(quantile(times.ours.slice(-MEASURED_SCRAPES), 0.5));
          medians.theirs.push(quantile(times.theirs.slice(-MEASURED_SCRAPES), 0.5));
        }
      }
      texts = { ours: mine.text, theirs: other.text };
    }
    const bytesOf = async (scrape: () => Promise<string>): Promise<number> => {
      await Promise.all(lines.map((line) => line.request({ op: 'scrape-bytes', on: true }, CONTROL_TIMEOUT_MS)));
      await scrape();
      const counts = await Promise.all(lines.map((line) => line.request({ op: 'scrape-bytes', on: false }, CONTROL_TIMEOUT_MS)));
      return counts.reduce((sum, count) => sum + count.bytes, 0);
    };
    const wire = { ours: await bytesOf(ours), theirs: await bytesOf(theirs) };
    const cpuOf = async (scrape: () => Promise<string>): Promise<ScrapeFigures['cpuMicros']> => {
      const workersCpu = async (): Promise<number> =>
        (await Promise.all(lines.map((line) => line.request({ op: 'stats', gc: false }, CONTROL_TIMEOUT_MS)))).reduce(
          (sum, stats) => sum + stats.cpuMicros,
          0,
        );
      const before = { primary: process.cpuUsage(), workers: await workersCpu() };
      progress(`CPU time of ${CPU_SCRAPES} scrapes`);
      for (let index = 0; index < CPU_SCRAPES; index++) await scrape();
      const primary = process.cpuUsage(before.primary);
      const workers = (await workersCpu()) - before.workers;
      return { primary: (primary.user + primary.system) / CPU_SCRAPES, workers: workers / CPU_SCRAPES };
    };
    const cpu = { ours: await cpuOf(ours), theirs: await cpuOf(theirs) };
    const figures = (key: 'ours' | 'theirs'): ScrapeFigures => ({
      medianMs: quantile(medians[key], 0.5),
      p90Ms: quantile(times[key], 0.9),
      wireBytes: wire[key],
      textBytes: Buffer.byteLength(texts[key]),
      cpuMicros: cpu[key],
    });
    const clusterRpc = figures('ours');
    const promClient = figures('theirs');
    const roundRatios = medians.ours.map((median, round) => median / (medians.theirs[round] as number));
    const ratio = quantile(roundRatios, 0.5);
    return {
      workers: SCRAPE_WORKERS,
      seriesPerWorker: SCRAPE_SERIES,
      scrapes: MEASURED_SCRAPES,
      rounds,
      clusterRpc,
      promClient,
      roundRatios,
      ratio,
      pass: ratio <= SCRAPE_RATIO_LIMIT,
    };
  } finally {
    await rpc.close();
    await Promise.all(lines.map((line) => line.request({ op: 'scrape-close' }, CONTROL_TIMEOUT_MS)));
  }
}

export function renderScrapeTable(record: ScrapeRecord): string {
  const ms = (value: number): string => value.toFixed(2);
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  const us = (value: number): string => `${Math.round(value).toLocaleString('en-US')} µs`;
  const row = (name: string, figures: ScrapeFigures): string =>
    `| ${name} | ${ms(figures.medianMs)} | ${ms(figures.p90Ms)} | ${us(figures.cpuMicros.primary)} | ${us(figures.cpuMicros.workers)} | ${kb(figures.wireBytes)} | ${kb(figures.textBytes)} |`;
  return [
    `${record.workers} workers × ${record.seriesPerWorker} series; ${record.rounds} rounds of ${record.scrapes} scrapes of each (after ${WARMUP_SCRAPES} unmeasured), alternating, order swapped each time; median: the median of the rounds' medians; p90: over every scrape. CPU: per scrape, over ${CPU_SCRAPES} scrapes of one contender at a time. Wire: what the workers send for one scrape, as JSON.`,
    '',
    '| scrape | median ms | p90 ms | CPU primary | CPU workers | wire | text |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('cluster-rpc `metrics({ format: prometheus })`', record.clusterRpc),
    row('prom-client `AggregatorRegistry.clusterMetrics()`', record.promClient),
    '',
    `cluster-rpc / prom-client, median of the rounds' ratios: ${record.ratio.toFixed(2)}× (at most ${SCRAPE_RATIO_LIMIT.toFixed(2)}×): ${record.pass ? 'PASS' : 'FAIL'}; each round: ${record.roundRatios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ')}`,
  ].join('\n');
}
