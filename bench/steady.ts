/**
 * What one operation costs once everything is warm: one worker, one
 * operation at a time, fresh processes for every measurement. The benchmark
 * proper measures many contenders in shared processes, phase after phase;
 * this measures each contender alone, long enough that nothing is cold, to
 * tell cluster-rpc's own cost per call or per event from the benchmark's.
 *
 * Every measurement starts a new primary process (this file, `--role=primary`)
 * which forks one cluster worker; the operation runs `--warmup` times, then
 * `--count` times measured. Contenders alternate within each of `--runs` runs,
 * and each run's ratios compare contenders measured one after the other.
 *
 * - `--op=call`: the worker calls the primary, an echo of the 68-byte payload
 *   (validated on input and output by the validated contenders).
 * - `--op=event`: the primary broadcasts to the worker, which acknowledges.
 *
 * Reported per run: the median and p90 of one operation's time, and the CPU
 * time (user + system) of each process per operation over the measured span.
 * Run under `node --cpu-prof --cpu-prof-interval=100` to keep the CPUs from
 * idling between operations (the profiler's sampling thread wakes every
 * 100 µs): on a VM, waking an idle CPU is most of a lone round trip.
 *
 * `npx tsx bench/build.ts && node node_modules/.cache/cluster-rpc-bench/bench/steady.js --op=call`
 * (options: `--op=call|event`, `--contenders=raw+zod,cluster-rpc`, `--runs=3`,
 * `--warmup=20000`, `--count=20000`).
 *
 * @module
 */
import { fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import {
  CONTENDERS,
  type ContenderName,
  openPrimaryContender,
  openWorkerContender,
  type WorkerContender,
} from './lib/contenders/index.js';
import { Histogram } from './lib/histogram.js';
import { describeMachine, finishMachine, machineLine } from './lib/machine.js';

const MARK = '$steady';
const SELF = fileURLToPath(import.meta.url);

interface Options {
  readonly op: 'call' | 'event';
  readonly contenders: readonly ContenderName[];
  readonly runs: number;
  readonly warmup: number;
  readonly count: number;
}

/** An operation's time at the median and the 90th percentile, µs. */
interface Latency {
  readonly p50Us: number;
  readonly p90Us: number;
}

/** One contender, measured once in fresh processes. */
interface Measurement extends Latency {
  readonly contender: ContenderName;
  /** CPU time per operation over the measured span, µs. */
  readonly primaryCpuUs: number;
  readonly workerCpuUs: number;
}

/** What the worker reports when asked: its CPU time so far, or over the span it drove with the span's latency. */
type WorkerReply = { readonly cpuUs: number; readonly latency?: Latency } | null;

type ControlRequest =
  | { readonly op: 'open'; readonly contender: ContenderName }
  | { readonly op: 'mark' }
  | { readonly op: 'drive'; readonly warmup: number; readonly count: number }
  | { readonly op: 'close' };

function cpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function isControl(message: unknown): message is Record<string, unknown> {
  return typeof message === 'object' && message !== null && MARK in message;
}

function latencyOf(histogram: Histogram): Latency {
  return { p50Us: histogram.percentile(0.5) * 1000, p90Us: histogram.percentile(0.9) * 1000 };
}

/** Runs `operation` `count` times, one at a time, recording each one's time. */
async function timed(operation: () => Promise<unknown>, count: number): Promise<Histogram> {
  const histogram = new Histogram();
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    await operation();
    histogram.record(performance.now() - began);
  }
  return histogram;
}

function parse(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const op = get('op') ?? 'call';
  if (op !== 'call' && op !== 'event') throw new Error(`--op must be call or event, got ${op}`);
  const number = (name: string, fallback: number): number => {
    const value = Number(get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const contenders = (get('contenders') ?? 'raw+zod,cluster-rpc').split(',');
  const unknown = contenders.filter((name) => !(CONTENDERS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown contender(s) ${unknown.join(', ')}; known: ${CONTENDERS.join(', ')}`);
  return {
    op,
    contenders: contenders as ContenderName[],
    runs: number('runs', 3),
    warmup: number('warmup', 20_000),
    count: number('count', 20_000),
  };
}

// ------------------------------------------------------------------ worker

function runWorker(): void {
  let side: WorkerContender | undefined;
  const reply = (id: unknown, body: WorkerReply): void => void process.send?.({ [MARK]: 'reply', id, body });
  const handle = async (request: ControlRequest): Promise<WorkerReply> => {
    switch (request.op) {
      case 'open':
        side = openWorkerContender(request.contender);
        return null;
      case 'mark':
        return { cpuUs: cpuUs() };
      case 'drive': {
        if (!side) throw new Error('no contender is open');
        const call = side.caller('tiny');
        for (let i = 0; i < request.warmup; i++) await call();
        process.send?.({ [MARK]: 'span' });
        const started = cpuUs();
        const histogram = await timed(call, request.count);
        const used = cpuUs() - started;
        process.send?.({ [MARK]: 'span' });
        return { cpuUs: used, latency: latencyOf(histogram) };
      }
      case 'close':
        await side?.close();
        side = undefined;
        return null;
    }
  };
  process.on('message', (message: unknown) => {
    if (!isControl(message) || message[MARK] !== 'request') return;
    handle(message.request as ControlRequest).then(
      (body) => reply(message.id, body),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send?.({ [MARK]: 'ready' });
}

// ------------------------------------------------------------------ primary (one measurement)

async function runPrimary(options: Options, contender: ContenderName): Promise<Measurement> {
  cluster.setupPrimary({ exec: SELF, args: ['--role=worker'], execArgv: [...process.execArgv] });
  const worker: Worker = cluster.fork();
  let nextId = 0;
  const waiting = new Map<number, (body: WorkerReply) => void>();
  const spans: number[] = [];
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  worker.on('message', (message: unknown) => {
    if (!isControl(message)) return;
    if (message[MARK] === 'ready') ready();
    else if (message[MARK] === 'span') spans.push(cpuUs());
    else if (message[MARK] === 'reply') waiting.get(message.id as number)?.(message.body as WorkerReply);
  });
  const request = (body: ControlRequest): Promise<WorkerReply> =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      worker.send({ [MARK]: 'request', id, request: body });
    });

  await started;
  // The primary attaches first, so nothing the worker sends on opening is missed.
  const side = openPrimaryContender(contender, [worker]);
  await request({ op: 'open', contender });
  let latency: Latency;
  let primaryCpu: number;
  let workerCpu: number;
  if (options.op === 'call') {
    const driven = await request({ op: 'drive', warmup: options.warmup, count: options.count });
    if (!driven?.latency || spans.length !== 2) throw new Error('the worker did not report its span');
    latency = driven.latency;
    primaryCpu = (spans[1] as number) - (spans[0] as number);
    workerCpu = driven.cpuUs;
  } else {
    const broadcast = side.broadcaster([worker], 'tiny');
    for (let i = 0; i < options.warmup; i++) await broadcast();
    const before = await request({ op: 'mark' });
    const primaryBefore = cpuUs();
    latency = latencyOf(await timed(broadcast, options.count));
    primaryCpu = cpuUs() - primaryBefore;
    const after = await request({ op: 'mark' });
    if (!before || !after) throw new Error('the worker did not report its CPU time');
    workerCpu = after.cpuUs - before.cpuUs;
  }
  await request({ op: 'close' });
  await side.close();
  worker.kill();
  return {
    contender,
    ...latency,
    primaryCpuUs: primaryCpu / options.count,
    workerCpuUs: workerCpu / options.count,
  };
}

// ------------------------------------------------------------------ orchestrator

function measure(argv: readonly string[], contender: ContenderName): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [...argv, '--role=primary', `--contender=${contender}`], { execArgv: [...process.execArgv] });
    let result: Measurement | undefined;
    child.on('message', (message: unknown) => {
      if (isControl(message) && message[MARK] === 'result') result = message.measurement as Measurement;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`measuring ${contender} failed (exit code ${String(code)})`)),
    );
  });
}

function row(measurement: Measurement, base: Measurement | undefined): string {
  const ratio = (value: number, of: number | undefined): string =>
    base && of !== undefined && base !== measurement ? ` (${(value / of).toFixed(2)}×)` : '';
  const cell = (value: number, of: number | undefined): string => `${value.toFixed(1)}${ratio(value, of)}`.padEnd(16);
  return `  ${measurement.contender.padEnd(20)} ${cell(measurement.p50Us, base?.p50Us)} ${cell(measurement.p90Us, base?.p90Us)} ${cell(measurement.primaryCpuUs, base?.primaryCpuUs)} ${cell(measurement.workerCpuUs, base?.workerCpuUs)}`;
}

async function runAll(argv: readonly string[]): Promise<void> {
  const options = parse(argv);
  const machine = describeMachine();
  console.log(`steady state, one worker, one ${options.op} at a time; ${machineLine(machine)}`);
  console.log(
    `${options.runs} run(s) of ${options.contenders.join(', ')}, each in fresh processes: ${options.warmup} to warm up, ${options.count} measured; ratios to the run's ${options.contenders[0]}`,
  );
  console.log(
    `  ${'contender'.padEnd(20)} ${'p50 µs'.padEnd(16)} ${'p90 µs'.padEnd(16)} ${'CPU/op primary'.padEnd(16)} CPU/op worker`,
  );
  for (let run = 0; run < options.runs; run++) {
    console.log(`run ${run + 1}`);
    let base: Measurement | undefined;
    for (const contender of options.contenders) {
      const measurement = await measure(argv, contender);
      base ??= measurement;
      console.log(row(measurement, base));
    }
  }
  console.log(`machine: ${machineLine(finishMachine(machine))}`);
}

const argv = process.argv.slice(2);
const role = argv.find((arg) => arg.startsWith('--role='))?.slice('--role='.length);
if (role === 'worker') {
  runWorker();
} else if (role === 'primary') {
  const contender = argv.find((arg) => arg.startsWith('--contender='))?.slice('--contender='.length) as ContenderName;
  const options = parse(argv);
  runPrimary(options, contender).then(
    (measurement) => {
      // Exit once the result has left: an exit right after send() can drop it.
      process.send?.({ [MARK]: 'result', measurement }, () => process.exit(0));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  runAll(argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
