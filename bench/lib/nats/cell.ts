/** The NATS cell (bench/README.md): each contender has its own driver and 8 responders (the call cells use the first). */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type NatsServer, startNatsServer } from '../../../support/nats-server.js';
import type { DriveResult } from '../drive.js';
import { PAYLOAD_LABELS, type PayloadKind } from '../payloads.js';
import { stop, track } from '../processes.js';
import { median, rotated } from '../stats.js';
import type { MemberMessage, NatsPhase } from './member.js';

const NATS_CONTENDERS = ['raw', 'cluster-rpc'] as const;
export type NatsContender = (typeof NATS_CONTENDERS)[number];

const RESPONDERS = 8;

interface NatsCell {
  readonly id: string;
  readonly label: string;
  readonly op: NatsPhase['op'];
  readonly payload: PayloadKind;
  readonly concurrency: number;
  /** The target cluster-rpc is held to, if any: on p50 latency (at most) or calls per second (at least). */
  readonly target?: { readonly figure: 'p50' | 'rate'; readonly ratio: number };
}

const call = (payload: PayloadKind, concurrency: number, target?: NatsCell['target']): NatsCell => ({
  id: `nats/${payload}/c${concurrency}`,
  label: `${PAYLOAD_LABELS[payload]} c=${concurrency}`,
  op: 'call',
  payload,
  concurrency,
  ...(target ? { target } : {}),
});

const CELLS: readonly NatsCell[] = [
  call('tiny', 1, { figure: 'p50', ratio: 1.2 }),
  call('tiny', 64, { figure: 'rate', ratio: 1.5 }),
  call('4kb', 64),
  call('100kb', 64, { figure: 'rate', ratio: 0.8 }),
  {
    id: `nats/bcast/${RESPONDERS}/tiny`,
    label: `broadcast+ack ×${RESPONDERS} ${PAYLOAD_LABELS.tiny}`,
    op: 'broadcast',
    payload: 'tiny',
    concurrency: 1,
  },
];

export interface NatsSettings {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Cell ids must contain one of these (empty: all). */
  readonly only: readonly string[];
}

/** Medians of one contender in one cell. */
export interface NatsFigures {
  readonly callsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface NatsCellRecord {
  readonly id: string;
  readonly label: string;
  readonly figures: Partial<Record<NatsContender, NatsFigures>>;
  /** cluster-rpc's calls per second over raw's, and its p50 over raw's. */
  readonly rateRatio: number;
  readonly p50Ratio: number;
  readonly target?: { readonly name: string; readonly pass: boolean };
}

export interface NatsRecord {
  readonly server: string;
  readonly settings: NatsSettings;
  readonly cells: readonly NatsCellRecord[];
}

interface Side {
  readonly driver: ChildProcess;
  readonly responders: ChildProcess[];
}

function start(
  contender: NatsContender,
  role: 'driver' | 'responder',
  index: number,
  server: string,
  cluster: string,
): ChildProcess {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return track(
    fork(fileURLToPath(new URL(`./member${ext}`, import.meta.url)), {
      env: {
        ...process.env,
        NATS_URL: server,
        BENCH_CLUSTER: cluster,
        BENCH_CONTENDER: contender,
        BENCH_ROLE: role,
        BENCH_INDEX: String(index),
      },
      execArgv: ext === '.ts' ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

function next(child: ChildProcess, type: MemberMessage['type'] | 'any', timeoutMs: number): Promise<MemberMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no answer from a NATS bench process within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: MemberMessage): void => {
      if (type === 'any' || message.type === type || message.type === 'failed') done(undefined, message);
    };
    const onExit = (): void => done(new Error('a NATS bench process exited'));
    const done = (error?: Error, message?: MemberMessage): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as MemberMessage);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function startSide(contender: NatsContender, server: string): Promise<Side> {
  const cluster = `bench-${process.pid}-${contender.replace(/\W/g, '')}`;
  const responders = Array.from({ length: RESPONDERS }, (_, index) => start(contender, 'responder', index + 1, server, cluster));
  const driver = start(contender, 'driver', 0, server, cluster);
  await Promise.all([driver, ...responders].map((child) => next(child, 'ready', 30_000)));
  return { driver, responders };
}

async function runPhase(side: Side, cell: NatsCell, settings: NatsSettings): Promise<DriveResult> {
  const phase: NatsPhase = {
    op: cell.op,
    payload: cell.payload,
    concurrency: cell.concurrency,
    responders: RESPONDERS,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
  };
  const answer = next(side.driver, 'result', 60_000 + settings.durationMs * 20);
  side.driver.send(phase);
  const message = await answer;
  if (message.type !== 'result')
    throw new Error(`the NATS bench driver failed: ${message.type === 'failed' ? message.message : ''}`);
  return message.result;
}

/** Runs the cell; `progress` hears each phase as it starts. */
export async function runNatsCell(settings: NatsSettings, progress: (phase: string) => void): Promise<NatsRecord> {
  const cells = settings.only.length ? CELLS.filter((cell) => settings.only.some((filter) => cell.id.includes(filter))) : CELLS;
  let server: NatsServer | undefined;
  const sides = new Map<NatsContender, Side>();
  try {
    server = await startNatsServer();
    for (const contender of NATS_CONTENDERS) sides.set(contender, await startSide(contender, server.url));
    const records: NatsCellRecord[] = [];
    for (const cell of cells) {
      const results = new Map<NatsContender, DriveResult[]>(NATS_CONTENDERS.map((name) => [name, []]));
      for (let round = 0; round < settings.rounds; round++) {
        // Rotating order, so neither contender always runs on a warmer (or more tired) machine.
        for (const contender of rotated(NATS_CONTENDERS, round)) {
          progress(`${cell.id} · round ${round + 1}/${settings.rounds} · ${contender}`);
          results.get(contender)?.push(await runPhase(sides.get(contender) as Side, cell, settings));
        }
      }
      const figures: Partial<Record<NatsContender, NatsFigures>> = {};
      for (const [contender, runs] of results) {
        figures[contender] = {
          callsPerSec: median(runs.map((run) => run.callsPerSec)),
          p50Ms: median(runs.map((run) => run.p50Ms)),
          p99Ms: median(runs.map((run) => run.p99Ms)),
          errors: runs.reduce((sum, run) => sum + run.errors, 0),
        };
      }
      const ours = figures['cluster-rpc'] as NatsFigures;
      const floor = figures.raw as NatsFigures;
      const rateRatio = ours.callsPerSec / floor.callsPerSec;
      const p50Ratio = ours.p50Ms / floor.p50Ms;
      const target = cell.target
        ? cell.target.figure === 'p50'
          ? { name: `p50 ≤ ${cell.target.ratio}× raw`, pass: p50Ratio <= cell.target.ratio && ours.errors === 0 }
          : { name: `≥ ${cell.target.ratio}× raw`, pass: rateRatio >= cell.target.ratio && ours.errors === 0 }
        : undefined;
      records.push({ id: cell.id, label: cell.label, figures, rateRatio, p50Ratio, ...(target ? { target } : {}) });
    }
    return { server: `nats-server ${server.version}`, settings, cells: records };
  } finally {
    await Promise.all(
      [...sides.values()].flatMap((side) => [side.driver, ...side.responders]).map((child) => stop(child, 'SIGTERM', 2000)),
    );
    await server?.stop('SIGTERM');
  }
}

const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value.toFixed(2));
const ratio = (value: number): string => `${value.toFixed(2)}×`;

export function renderNatsTable(record: NatsRecord): string {
  const lines = [
    `Through one local ${record.server} (default 1 MB max_payload); ${record.settings.rounds} round(s) of ${record.settings.warmupMs} ms warm-up + ${record.settings.durationMs} ms measured per contender and cell, medians. raw: \`nc.request()\` with JSON, the responder parsing and answering; cluster-rpc: \`natsTransport\`, zod on input and output on both sides.`,
    '',
    '| cell | raw calls/s | raw p50 ms | cluster-rpc calls/s | cluster-rpc p50 ms | calls/s ratio | p50 ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const cell of record.cells) {
    const raw = cell.figures.raw;
    const ours = cell.figures['cluster-rpc'];
    const target = cell.target ? `${cell.target.name}: ${cell.target.pass ? 'PASS' : 'FAIL'}` : '';
    const errors =
      (ours?.errors ?? 0) + (raw?.errors ?? 0) > 0 ? ` (errors: raw ${raw?.errors}, cluster-rpc ${ours?.errors})` : '';
    lines.push(
      `| ${cell.label} | ${rate(raw?.callsPerSec ?? 0)} | ${ms(raw?.p50Ms ?? 0)} | ${rate(ours?.callsPerSec ?? 0)} | ${ms(ours?.p50Ms ?? 0)} | ${ratio(cell.rateRatio)} | ${ratio(cell.p50Ratio)} | ${target}${errors} |`,
    );
  }
  return lines.join('\n');
}
