/**
 * A diagnostic for the fan-out cells: where the time of one broadcast to N
 * workers goes, and what the slowest broadcasts (the p99) have in common.
 *
 * It drives the benchmark's own broadcast contenders (raw, raw+zod,
 * cluster-rpc: the same code `npm run bench` measures) one broadcast at a
 * time, in alternating blocks, and timestamps every message at the channel
 * boundary in every process with the shared monotonic clock
 * (`process.hrtime`, CLOCK_MONOTONIC on Linux, comparable across processes):
 *
 * - P `t0`: the broadcast starts (validation and encoding are after this);
 * - P `sent`: the frame for worker i is handed to `worker.send`;
 * - W `recv`: worker i's `'message'` event fires (before any library code);
 * - W `ack`: worker i hands its acknowledgement to `process.send`;
 * - P `back`: the acknowledgement's `'message'` event fires in the primary;
 * - P `end`: the last acknowledgement reached the listener.
 *
 * It also records every garbage collection in every process (PerformanceObserver)
 * and each process's CPU time and run-queue wait (/proc schedstat) per block.
 *
 * `npx tsx bench/build.ts && node --expose-gc node_modules/.cache/cluster-rpc-bench/bench/fanout-probe.js --workers=8`
 * (options: `--workers=<n>`, `--broadcasts=<per block>`, `--blocks=<per contender>`, `--contenders=raw,raw+zod,cluster-rpc`).
 *
 * `raw+spin` is a control: raw IPC with busy-work (no I/O) where cluster-rpc
 * spends more CPU than raw: `--spin-send=<µs>` per broadcast and
 * `--spin-ack=<µs>` per acknowledgement in the primary, `--spin-worker=<µs>`
 * per event in each worker. If it shows cluster-rpc's tail, the tail comes
 * from the CPU each broadcast costs, not from how cluster-rpc schedules its work.
 *
 * `--gc-before` collects garbage in every process before each block's warm-up,
 * as the benchmark does before each phase.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type ContenderName, openPrimaryContender, openWorkerContender, type WorkerContender } from './lib/contenders/index.js';
import { describeMachine, finishMachine, machineLine } from './lib/machine.js';
import { payloadOf } from './lib/payloads.js';

/** Microseconds on the monotonic clock every process shares. */
function nowUs(): number {
  const [seconds, nanos] = process.hrtime();
  return seconds * 1e6 + nanos / 1e3;
}

/** performance.now() (ms since this process started) → the shared clock, µs. */
const PERF_OFFSET_US = nowUs() - performance.now() * 1000;

interface GcEvent {
  readonly startUs: number;
  readonly durationUs: number;
  readonly kind: number;
}

function observeGc(record: (event: GcEvent) => void): PerformanceObserver {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number } }).detail;
      record({ startUs: PERF_OFFSET_US + entry.startTime * 1000, durationUs: entry.duration * 1000, kind: detail?.kind ?? 0 });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return observer;
}

/**
 * CPU time and run-queue wait of this process's main thread so far, µs, and
 * the CPU time of all its threads (V8's compiler and GC helpers too).
 */
function schedstat(): { cpuUs: number; waitUs: number; allUs: number } {
  const usage = process.cpuUsage();
  const allUs = usage.user + usage.system;
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(' ').map(Number);
    return { cpuUs: (cpu ?? Number.NaN) / 1000, waitUs: (wait ?? Number.NaN) / 1000, allUs };
  } catch {
    return { cpuUs: Number.NaN, waitUs: Number.NaN, allUs };
  }
}

const MARK = '$probe';

type ProbeRequest =
  | { readonly op: 'open'; readonly contender: ContenderName; readonly spinUs: number }
  | { readonly op: 'start' }
  | { readonly op: 'gc' }
  | { readonly op: 'stop' }
  | { readonly op: 'close' }
  | { readonly op: 'exit' };

interface WorkerBlock {
  readonly recv: number[];
  /** Per event, µs this worker's main thread spent runnable but waiting for a CPU since its previous acknowledgement (its wake-up wait). */
  readonly queued: number[];
  readonly ack: number[];
  /** Per event: when the worker's event-loop turn that sent the acknowledgement was over. */
  readonly idle: number[];
  readonly gc: GcEvent[];
  readonly cpuUs: number;
  readonly waitUs: number;
  /** CPU time of the process's other threads (compiler, GC helpers). */
  readonly otherThreadsUs: number;
}

function isProbe(message: unknown): message is { [MARK]: ProbeRequest } {
  return typeof message === 'object' && message !== null && MARK in message;
}

// ------------------------------------------------------------------ worker

/** Busy-waits `us` microseconds: CPU work that does nothing else (no allocation, no I/O). */
function spin(us: number): void {
  if (us <= 0) return;
  // performance.now() allocates nothing (process.hrtime() makes an array per call, which would feed the GC).
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    // spin
  }
}

/** A raw fan-out event or acknowledgement (what `raw+spin` adds work to). */
function isRawFanout(message: unknown, key: 'a' | 'b'): boolean {
  return typeof message === 'object' && message !== null && (message as Record<string, unknown>).$raw === 1 && key in message;
}

function runWorker(): void {
  let contender: WorkerContender | undefined;
  let spinUs = 0;
  let recording = false;
  let recv: number[] = [];
  let ack: number[] = [];
  let queued: number[] = [];
  let idle: number[] = [];
  let waitAtAck = schedstat().waitUs;
  let gc: GcEvent[] = [];
  let startStat = schedstat();
  observeGc((event) => {
    if (recording) gc.push(event);
  });
  // Earliest possible: before any listener a contender attaches.
  process.prependListener('message', (message: unknown) => {
    if (recording && !isProbe(message)) {
      recv.push(nowUs());
      const wait = schedstat().waitUs;
      queued.push(wait - waitAtAck);
    }
    // raw+spin: the extra CPU cluster-rpc's worker spends per event, spent before raw's handler runs.
    if (spinUs > 0 && isRawFanout(message, 'b')) spin(spinUs);
  });
  const send = process.send?.bind(process) as (...args: unknown[]) => boolean;
  process.send = ((...args: unknown[]) => {
    if (recording && !isProbe(args[0])) {
      ack.push(nowUs());
      const sent = send(...args);
      waitAtAck = schedstat().waitUs;
      // When this turn of the event loop is over (nextTicks, promise jobs, write callbacks run): the work left after the ack.
      setImmediate(() => idle.push(nowUs()));
      return sent;
    }
    return send(...args);
  }) as typeof process.send;
  process.on('message', async (message: unknown) => {
    if (!isProbe(message)) return;
    const request = message[MARK];
    let reply: unknown = null;
    switch (request.op) {
      case 'open':
        spinUs = request.spinUs;
        contender = openWorkerContender(request.contender);
        break;
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        break;
      case 'start':
        recv = [];
        ack = [];
        idle = [];
        queued = [];
        waitAtAck = schedstat().waitUs;
        gc = [];
        startStat = schedstat();
        recording = true;
        break;
      case 'stop': {
        recording = false;
        const stat = schedstat();
        reply = {
          recv,
          queued,
          ack,
          idle,
          gc,
          cpuUs: stat.cpuUs - startStat.cpuUs,
          otherThreadsUs: stat.allUs - startStat.allUs - (stat.cpuUs - startStat.cpuUs),
          waitUs: stat.waitUs - startStat.waitUs,
        } satisfies WorkerBlock;
        break;
      }
      case 'close':
        await contender?.close();
        contender = undefined;
        break;
      case 'exit':
        setImmediate(() => process.exit(0));
        break;
    }
    send({ [MARK]: 'reply', reply });
  });
  send({ [MARK]: 'reply', reply: 'ready' });
}

// ----------------------------------------------------------------- primary

interface Options {
  readonly workers: number;
  readonly broadcasts: number;
  readonly warmup: number;
  /** Collect garbage in every process before each block's warm-up, as `npm run bench` does before each phase. */
  readonly gcBefore: boolean;
  readonly blocks: number;
  /** Probe contenders: the benchmark's, and `raw+spin` (raw with busy-work where cluster-rpc spends more CPU). */
  readonly contenders: readonly ProbeContender[];
  /** raw+spin's busy-work: per broadcast in the primary, per acknowledgement in the primary, per event in a worker, µs. */
  readonly spin: { readonly send: number; readonly ack: number; readonly worker: number };
}

/** A contender of the probe. */
type ProbeContender = ContenderName | 'raw+spin';

function parse(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    workers: Number(get('workers') ?? 8),
    broadcasts: Number(get('broadcasts') ?? 2000),
    warmup: Number(get('warmup') ?? 1000),
    gcBefore: argv.includes('--gc-before'),
    blocks: Number(get('blocks') ?? 3),
    contenders: (get('contenders') ?? 'raw,raw+zod,cluster-rpc').split(',') as ProbeContender[],
    spin: {
      send: Number(get('spin-send') ?? 20),
      ack: Number(get('spin-ack') ?? 15),
      worker: Number(get('spin-worker') ?? 30),
    },
  };
}

/** Replies from each worker, in order. */
class Lines {
  readonly #waiting = new Map<Worker, Array<(reply: unknown) => void>>();

  constructor(readonly workers: readonly Worker[]) {
    for (const worker of workers) {
      this.#waiting.set(worker, []);
      worker.on('message', (message: unknown) => {
        if (typeof message !== 'object' || message === null || (message as Record<string, unknown>)[MARK] !== 'reply') return;
        this.#waiting.get(worker)?.shift()?.((message as { reply: unknown }).reply);
      });
    }
  }

  expect(worker: Worker): Promise<unknown> {
    return new Promise((resolve) => this.#waiting.get(worker)?.push(resolve));
  }

  all(request: ProbeRequest): Promise<unknown[]> {
    return Promise.all(
      this.workers.map((worker) => {
        const reply = this.expect(worker);
        worker.send({ [MARK]: request });
        return reply;
      }),
    );
  }
}

interface Broadcast {
  readonly t0: number;
  readonly end: number;
  /** Per worker, in fork order. */
  readonly sent: readonly number[];
  readonly recv: readonly number[];
  /** Per worker: µs runnable but not running since its previous acknowledgement, read when the event arrived. */
  readonly queued: readonly number[];
  readonly ack: readonly number[];
  readonly idle: readonly number[];
  readonly back: readonly number[];
}

interface Block {
  readonly contender: ProbeContender;
  readonly broadcasts: readonly Broadcast[];
  readonly gc: ReadonlyArray<GcEvent & { readonly process: string }>;
  readonly cpuUsPerBroadcast: { readonly primary: number; readonly workers: number };
  /** CPU of the processes' other threads (V8's compiler and GC helpers) per broadcast. */
  readonly otherThreadsUsPerBroadcast: { readonly primary: number; readonly workers: number };
  readonly runQueueWaitUsPerBroadcast: { readonly primary: number; readonly workers: number };
  readonly unmatched: number;
}

async function runBlock(lines: Lines, contender: ProbeContender, options: Options): Promise<Block> {
  const workers = lines.workers;
  const spun = contender === 'raw+spin';
  const underlying: ContenderName = spun ? 'raw' : contender;
  const side = openPrimaryContender(underlying, workers);
  await lines.all({ op: 'open', contender: underlying, spinUs: spun ? options.spin.worker : 0 });
  const broadcast = side.broadcaster(workers, 'tiny');
  const operation = spun
    ? () => {
        spin(options.spin.send);
        return broadcast();
      }
    : broadcast;
  const onAck = (message: unknown): void => {
    if (isRawFanout(message, 'a')) spin(options.spin.ack);
  };
  if (spun) for (const worker of workers) worker.process.prependListener('message', onAck);
  if (options.gcBefore) {
    (globalThis as { gc?: () => void }).gc?.();
    await lines.all({ op: 'gc' });
  }
  for (let index = 0; index < options.warmup; index++) await operation();

  const sent = workers.map((): number[] => []);
  const back = workers.map((): number[] => []);
  let recording = false;
  const restore: Array<() => void> = [];
  workers.forEach((worker, index) => {
    const child = worker.process;
    const original = child.send;
    child.send = ((...args: unknown[]) => {
      if (recording && !isProbe(args[0])) sent[index]?.push(nowUs());
      return (original as (...args: unknown[]) => boolean).apply(child, args);
    }) as typeof child.send;
    const onMessage = (message: unknown): void => {
      if (recording && !(typeof message === 'object' && message !== null && MARK in message)) back[index]?.push(nowUs());
    };
    child.prependListener('message', onMessage);
    restore.push(() => {
      child.send = original;
      child.off('message', onMessage);
    });
  });
  const gc: GcEvent[] = [];
  const observer = observeGc((event) => gc.push(event));
  await lines.all({ op: 'start' });
  const t0: number[] = [];
  const end: number[] = [];
  const startStat = schedstat();
  recording = true;
  for (let index = 0; index < options.broadcasts; index++) {
    t0.push(nowUs());
    await operation();
    end.push(nowUs());
  }
  recording = false;
  const stat = schedstat();
  observer.disconnect();
  const blocks = (await lines.all({ op: 'stop' })) as WorkerBlock[];
  for (const undo of restore) undo();
  if (spun) for (const worker of workers) worker.process.off('message', onAck);
  await lines.all({ op: 'close' });
  await side.close();

  let unmatched = 0;
  const broadcasts: Broadcast[] = [];
  for (let k = 0; k < options.broadcasts; k++) {
    const row = {
      t0: t0[k] as number,
      end: end[k] as number,
      sent: sent.map((list) => list[k] ?? Number.NaN),
      recv: blocks.map((block) => block.recv[k] ?? Number.NaN),
      queued: blocks.map((block) => block.queued[k] ?? Number.NaN),
      ack: blocks.map((block) => block.ack[k] ?? Number.NaN),
      idle: blocks.map((block) => block.idle[k] ?? Number.NaN),
      back: back.map((list) => list[k] ?? Number.NaN),
    };
    if ([...row.sent, ...row.recv, ...row.ack, ...row.back].some((value) => !Number.isFinite(value))) unmatched++;
    broadcasts.push(row);
  }
  const n = options.broadcasts;
  return {
    contender,
    broadcasts,
    gc: [
      ...gc.map((event) => ({ ...event, process: 'primary' })),
      ...blocks.flatMap((block, index) => block.gc.map((event) => ({ ...event, process: `worker ${index + 1}` }))),
    ],
    cpuUsPerBroadcast: {
      primary: (stat.cpuUs - startStat.cpuUs) / n,
      workers: blocks.reduce((sum, block) => sum + block.cpuUs, 0) / n,
    },
    otherThreadsUsPerBroadcast: {
      primary: (stat.allUs - startStat.allUs - (stat.cpuUs - startStat.cpuUs)) / n,
      workers: blocks.reduce((sum, block) => sum + block.otherThreadsUs, 0) / n,
    },
    runQueueWaitUsPerBroadcast: {
      primary: (stat.waitUs - startStat.waitUs) / n,
      workers: blocks.reduce((sum, block) => sum + block.waitUs, 0) / n,
    },
    unmatched,
  };
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number;
}

function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.reduce((sum, value) => sum + value, 0) / Math.max(1, finite.length);
}

/** The stages of one broadcast, for its last worker (the one whose acknowledgement came back last). */
function stagesOf(row: Broadcast) {
  let last = 0;
  row.back.forEach((value, index) => {
    if (value > (row.back[last] ?? -Infinity)) last = index;
  });
  const sentLast = Math.max(...row.sent);
  return {
    total: row.end - row.t0,
    // Until the last frame was handed to Node: validation, encoding, batching, the writes.
    send: sentLast - row.t0,
    // For the last worker: channel, wake-up and waiting for a CPU, until its 'message' fires.
    toWorker: (row.recv[last] as number) - (row.sent[last] as number),
    // Of which the last worker spent waiting for a CPU (run queue), from /proc/thread-self/schedstat.
    lastWorkerQueued: row.queued[last] as number,
    inWorker: (row.ack[last] as number) - (row.recv[last] as number),
    // Work a worker still did after its acknowledgement left (the mean over the workers).
    afterAck: row.idle.reduce((sum, value, index) => sum + (value - (row.ack[index] as number)), 0) / row.idle.length,
    toPrimary: (row.back[last] as number) - (row.ack[last] as number),
    inPrimary: row.end - (row.back[last] as number),
    // Spread of the workers' processing: the slowest worker's JS time.
    slowestWorkerJs: Math.max(...row.ack.map((value, index) => value - (row.recv[index] as number))),
  };
}

type Stage = keyof ReturnType<typeof stagesOf>;
const STAGES: readonly Stage[] = [
  'total',
  'send',
  'toWorker',
  'lastWorkerQueued',
  'inWorker',
  'afterAck',
  'toPrimary',
  'inPrimary',
  'slowestWorkerJs',
];

function summarise(contender: ProbeContender, blocks: readonly Block[]) {
  const rows = blocks.flatMap((block) => block.broadcasts);
  const stages = rows.map(stagesOf);
  const totals = stages.map((stage) => stage.total);
  const p99 = percentile(totals, 0.99);
  const slow = stages.filter((stage) => stage.total >= p99);
  const gcs = blocks.flatMap((block) => block.gc);
  const overlapsGc = (row: Broadcast): boolean =>
    gcs.some((event) => event.startUs < row.end && event.startUs + event.durationUs > row.t0);
  const slowRows = rows.filter((_, index) => (stages[index]?.total ?? 0) >= p99);
  const withoutGc = rows.filter((row) => !overlapsGc(row)).map((row) => row.end - row.t0);
  const perThousand = (count: number): number => (count / Math.max(1, rows.length)) * 1000;
  const primaryGcs = gcs.filter((event) => event.process === 'primary');
  const workerGcs = gcs.filter((event) => event.process !== 'primary');
  const minor = (event: GcEvent): boolean => event.kind === 1;
  const byStage = Object.fromEntries(
    STAGES.map((name) => [
      name,
      {
        p50: percentile(
          stages.map((stage) => stage[name]),
          0.5,
        ),
        p99: percentile(
          stages.map((stage) => stage[name]),
          0.99,
        ),
        meanAll: mean(stages.map((stage) => stage[name])),
        meanSlowest1pc: mean(slow.map((stage) => stage[name])),
      },
    ]),
  );
  return {
    contender,
    broadcasts: rows.length,
    unmatched: blocks.reduce((sum, block) => sum + block.unmatched, 0),
    p50Us: percentile(totals, 0.5),
    p99Us: p99,
    byStage,
    gcCount: gcs.length,
    gcPerBroadcastUs: gcs.reduce((sum, event) => sum + event.durationUs, 0) / Math.max(1, rows.length),
    gcPerThousandBroadcasts: {
      primary: perThousand(primaryGcs.length),
      workers: perThousand(workerGcs.length),
      minor: perThousand(gcs.filter(minor).length),
      major: perThousand(gcs.filter((event) => !minor(event)).length),
    },
    gcMeanUs: {
      minor: mean(gcs.filter(minor).map((event) => event.durationUs)),
      major: mean(gcs.filter((event) => !minor(event)).map((event) => event.durationUs)),
    },
    shareOverlappingGc: {
      all: rows.filter(overlapsGc).length / rows.length,
      slowest1pc: slowRows.filter(overlapsGc).length / Math.max(1, slowRows.length),
    },
    p99WithoutGcUs: percentile(withoutGc, 0.99),
    cpuUsPerBroadcast: {
      primary: mean(blocks.map((block) => block.cpuUsPerBroadcast.primary)),
      workers: mean(blocks.map((block) => block.cpuUsPerBroadcast.workers)),
    },
    otherThreadsUsPerBroadcast: {
      primary: mean(blocks.map((block) => block.otherThreadsUsPerBroadcast.primary)),
      workers: mean(blocks.map((block) => block.otherThreadsUsPerBroadcast.workers)),
    },
    runQueueWaitUsPerBroadcast: {
      primary: mean(blocks.map((block) => block.runQueueWaitUsPerBroadcast.primary)),
      workers: mean(blocks.map((block) => block.runQueueWaitUsPerBroadcast.workers)),
    },
  };
}

function renderSummary(summary: ReturnType<typeof summarise>): string {
  const us = (value: number): string => (Number.isFinite(value) ? value.toFixed(0).padStart(6) : '   n/a');
  const lines = [
    `${summary.contender}: ${summary.broadcasts} broadcasts${summary.unmatched ? ` (${summary.unmatched} with a missing timestamp)` : ''}; fan-out time p50 ${us(summary.p50Us).trim()} µs, p99 ${us(summary.p99Us).trim()} µs`,
    `  CPU per broadcast, main threads: primary ${us(summary.cpuUsPerBroadcast.primary).trim()} µs, workers ${us(summary.cpuUsPerBroadcast.workers).trim()} µs (together); other threads (V8 compiler, GC helpers): primary ${us(summary.otherThreadsUsPerBroadcast.primary).trim()} µs, workers ${us(summary.otherThreadsUsPerBroadcast.workers).trim()} µs; waiting for a CPU (run queue): primary ${us(summary.runQueueWaitUsPerBroadcast.primary).trim()} µs, workers ${us(summary.runQueueWaitUsPerBroadcast.workers).trim()} µs`,
    `  GC: ${summary.gcCount} collections, ${summary.gcPerBroadcastUs.toFixed(1)} µs per broadcast; per 1000 broadcasts: primary ${summary.gcPerThousandBroadcasts.primary.toFixed(1)}, workers ${summary.gcPerThousandBroadcasts.workers.toFixed(1)} (minor ${summary.gcPerThousandBroadcasts.minor.toFixed(1)}, mean ${summary.gcMeanUs.minor.toFixed(0)} µs; major ${summary.gcPerThousandBroadcasts.major.toFixed(1)}, mean ${Number.isFinite(summary.gcMeanUs.major) ? summary.gcMeanUs.major.toFixed(0) : '-'} µs)`,
    `  broadcasts overlapping a GC in any process: ${(summary.shareOverlappingGc.all * 100).toFixed(1)} % of all, ${(summary.shareOverlappingGc.slowest1pc * 100).toFixed(1)} % of the slowest 1 %; p99 of those overlapping none: ${us(summary.p99WithoutGcUs).trim()} µs`,
    '  stage (last worker)      p50 µs  p99 µs  mean µs  mean of slowest 1 % µs',
  ];
  for (const name of STAGES) {
    const stage = (summary.byStage as Record<string, { p50: number; p99: number; meanAll: number; meanSlowest1pc: number }>)[
      name
    ];
    if (!stage) continue;
    lines.push(`  ${name.padEnd(22)} ${us(stage.p50)}  ${us(stage.p99)}   ${us(stage.meanAll)}   ${us(stage.meanSlowest1pc)}`);
  }
  return lines.join('\n');
}

async function runPrimary(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const machine = describeMachine();
  console.log(`fan-out probe: ${options.workers} workers; ${machineLine(machine)}`);
  console.log(
    `${options.blocks} block(s) per contender of ${options.warmup} warm-up + ${options.broadcasts} recorded broadcasts, contenders alternating: ${options.contenders.join(', ')}`,
  );
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), execArgv: [...process.execArgv] });
  const workers = Array.from({ length: options.workers }, () => cluster.fork());
  const exit = (): void => {
    for (const worker of workers) worker.process.kill('SIGKILL');
  };
  process.once('SIGINT', () => {
    exit();
    process.exit(130);
  });
  const lines = new Lines(workers);
  try {
    await Promise.all(workers.map((worker) => lines.expect(worker)));
    const blocks: Block[] = [];
    for (let round = 0; round < options.blocks; round++) {
      for (let index = 0; index < options.contenders.length; index++) {
        const contender = options.contenders[(index + round) % options.contenders.length] as ProbeContender;
        process.stdout.write(`block ${round + 1}/${options.blocks} ${contender}…\n`);
        blocks.push(await runBlock(lines, contender, options));
      }
    }
    const summaries = options.contenders.map((contender) =>
      summarise(
        contender,
        blocks.filter((block) => block.contender === contender),
      ),
    );
    const finished = finishMachine(machine);
    console.log(`\n${summaries.map(renderSummary).join('\n\n')}\n\nmachine: ${machineLine(finished)}`);
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
    const outDir = join(existsPackage(root) ? root : process.cwd(), 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `fanout-probe-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ machine: finished, options, summaries, blocks }, null, 1));
    console.log(`wrote ${file}`);
    // Workers exit by themselves (and write a --cpu-prof profile); the kill below is for those that do not.
    const gone = Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
    await lines.all({ op: 'exit' });
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
  } finally {
    exit();
  }
}

function existsPackage(root: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }).name === 'cluster-rpc';
  } catch {
    return false;
  }
}

for (const kind of ['tiny'] as const) payloadOf(kind);
if (cluster.isPrimary) await runPrimary();
else runWorker();
