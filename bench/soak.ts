/**
 * `npm run soak [-- --calls 200000]`: a million calls between a primary and one worker, half each way, 256 in flight per side;
 * every 100th call times out (a 50 ms handler, a 5 ms timeout) and every 100th other one is aborted by its caller. Exits with 1 if
 * a pending table is not empty, a call ended as it should not have, or either heap (after a full GC) ends more than
 * {@link HEAP_GROWTH_LIMIT_MIB} MiB above where it stood after the warm-up.
 */
import cluster from 'node:cluster';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure, RpcError } from '../src/index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const argv = process.argv.slice(2);
const TOTAL_CALLS = Number(argv[argv.indexOf('--calls') + 1] ?? 0) || Number(process.env.SOAK_CALLS) || 1_000_000;
const PER_SIDE = Math.floor(TOTAL_CALLS / 2);
const IN_FLIGHT = 256;
const EVERY = 100;
const SLOW_MS = 50;
const SHORT_TIMEOUT_MS = 5;
const WARM_UP_CALLS = 20_000;
const PROGRESS_EVERY = 100_000;
/**
 * How far the heap may grow from after the warm-up to the end. Measured flat (±0.1 MiB) over 500,000 calls a side; a leak of one
 * 16-byte object per call would add 8 MiB.
 */
const HEAP_GROWTH_LIMIT_MIB = 1;

/** What one side saw of its own calls. */
interface Tally {
  ok: number;
  wrong: number;
  codes: Record<string, number>;
  handlerAborts: number;
}

/** Memory after a full collection, in MiB. */
interface Memory {
  heapMiB: number;
  rssMiB: number;
}

/** One side's figures, sent to the primary at the end. */
interface SideReport {
  side: string;
  calls: number;
  ms: number;
  tally: Tally;
  before: Memory;
  after: Memory;
  pending: number;
}

let handlerAborts = 0;

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('slept'), ms);
    signal.addEventListener(
      'abort',
      () => {
        handlerAborts++;
        clearTimeout(timer);
        resolve('aborted');
      },
      { once: true },
    );
  });
}

const served = {
  echo: procedure.input(z.number()).handler(({ input }) => input + 1),
  slow: procedure.handler(({ ctx }) => sleepUnlessAborted(SLOW_MS, ctx.signal)),
};

const rpc = createClusterRpc({
  primary: defineRouter({
    ...served,
    /** The worker's half is done: its figures so far. */
    finished: procedure.input(z.custom<SideReport>()).handler(({ input }) => workerFinished(input)),
  }),
  worker: defineRouter({
    ...served,
    /** Memory and pending calls now, leaving out this very call. */
    measure: procedure.handler((): { after: Memory; pending: number } => ({ after: memory(), pending: rpc.pendingCount() - 1 })),
  }),
});

let workerFinished!: (report: SideReport) => void;
const workerReport = new Promise<SideReport>((resolve) => {
  workerFinished = resolve;
});

function memory(): Memory {
  collectGarbage();
  collectGarbage();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMiB: heapUsed / 1024 / 1024, rssMiB: rss / 1024 / 1024 };
}

type Caller = (
  path: 'echo' | 'slow',
  input: number | undefined,
  options: { timeout?: number; signal?: AbortSignal },
) => Promise<unknown>;

/** Makes `count` calls, `IN_FLIGHT` at a time, and counts how each ended. */
async function drive(side: string, call: Caller, count: number, progress: boolean): Promise<Tally> {
  const tally: Tally = { ok: 0, wrong: 0, codes: {}, handlerAborts: 0 };
  let next = 0;
  let done = 0;
  const started = Date.now();
  const one = async (index: number): Promise<void> => {
    try {
      if (index % EVERY === 0) {
        await call('slow', undefined, { timeout: SHORT_TIMEOUT_MS });
        tally.ok++;
      } else {
        const controller = index % EVERY === EVERY / 2 ? new AbortController() : undefined;
        if (controller) setImmediate(() => controller.abort(new Error('soak abort')));
        const value = await call('echo', index, controller ? { signal: controller.signal } : {});
        if (value === index + 1) tally.ok++;
        else tally.wrong++;
      }
    } catch (error) {
      const code = error instanceof RpcError ? error.code : `not an RpcError: ${String(error)}`;
      tally.codes[code] = (tally.codes[code] ?? 0) + 1;
    }
    done++;
    if (progress && done % PROGRESS_EVERY === 0) {
      const { heapUsed, rss } = process.memoryUsage();
      const rate = Math.round(done / ((Date.now() - started) / 1000));
      console.log(
        `  ${side}: ${done.toLocaleString('en')} calls, ${rate.toLocaleString('en')}/s, heap ${(heapUsed / 1048576).toFixed(1)} MiB, ` +
          `RSS ${(rss / 1048576).toFixed(1)} MiB, pending ${rpc.pendingCount()}`,
      );
    }
  };
  const lane = async (): Promise<void> => {
    while (next < count) await one(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  tally.handlerAborts = handlerAborts;
  return tally;
}

/** Drives this side's half after a warm-up; `after` and `pending` are filled in once both halves are done. */
async function soak(side: string, call: Caller): Promise<SideReport> {
  await drive(side, call, WARM_UP_CALLS, false);
  handlerAborts = 0;
  const before = memory();
  const started = Date.now();
  const tally = await drive(side, call, PER_SIDE, true);
  return { side, calls: PER_SIDE, ms: Date.now() - started, tally, before, after: before, pending: -1 };
}

function expected(report: SideReport): string[] {
  const problems: string[] = [];
  const { tally } = report;
  const counted = tally.ok + tally.wrong + Object.values(tally.codes).reduce((sum, n) => sum + n, 0);
  if (counted !== report.calls) problems.push(`${report.side}: ${counted} of ${report.calls} calls ended`);
  if (tally.wrong > 0) problems.push(`${report.side}: ${tally.wrong} calls returned a wrong value`);
  const unexpected = Object.keys(tally.codes).filter((code) => code !== 'TIMEOUT' && code !== 'ABORTED');
  if (unexpected.length > 0) problems.push(`${report.side}: unexpected codes ${unexpected.join(', ')}`);
  if (report.pending !== 0) problems.push(`${report.side}: ${report.pending} entries left in the pending tables`);
  const growth = report.after.heapMiB - report.before.heapMiB;
  if (!(growth <= HEAP_GROWTH_LIMIT_MIB)) {
    problems.push(
      `${report.side}: heap grew ${growth.toFixed(1)} MiB after the warm-up (${report.before.heapMiB.toFixed(1)} → ${report.after.heapMiB.toFixed(1)} MiB), more than the ${HEAP_GROWTH_LIMIT_MIB} MiB allowed`,
    );
  }
  return problems;
}

function describe(report: SideReport, servedAborts: number): string {
  const { tally, before, after } = report;
  const rate = Math.round(report.calls / (report.ms / 1000));
  return [
    `${report.side} → ${report.side === 'primary' ? 'worker' : 'primary'}: ${report.calls.toLocaleString('en')} calls in ${(report.ms / 1000).toFixed(1)} s (${rate.toLocaleString('en')}/s)`,
    `    ok ${tally.ok.toLocaleString('en')}, ${Object.entries(tally.codes)
      .map(([code, n]) => `${code} ${n.toLocaleString('en')}`)
      .join(', ')}; the serving side's handlers saw about ${servedAborts.toLocaleString('en')} aborts`,
    `    heap ${before.heapMiB.toFixed(1)} → ${after.heapMiB.toFixed(1)} MiB, RSS ${before.rssMiB.toFixed(1)} → ${after.rssMiB.toFixed(1)} MiB, pending at the end: ${report.pending}`,
  ].join('\n');
}

if (cluster.isPrimary) {
  console.log(
    `soak: ${TOTAL_CALLS.toLocaleString('en')} calls, ${PER_SIDE.toLocaleString('en')} each way, ${IN_FLIGHT} in flight per side`,
  );
  const worker = cluster.fork({ SOAK_CALLS: String(TOTAL_CALLS) });
  const mine = await soak('primary', (path, input, options) => rpc.primary.call(worker, path, input as never, options));
  const theirs = await workerReport;
  // Both halves are done; let the last cancels and late answers land, then measure both sides.
  await new Promise((wake) => setTimeout(wake, 500));
  mine.tally.handlerAborts = handlerAborts;
  mine.after = memory();
  mine.pending = rpc.pendingCount();
  Object.assign(theirs, await rpc.primary.call(worker, 'measure'));
  console.log(describe(mine, theirs.tally.handlerAborts));
  console.log(describe(theirs, mine.tally.handlerAborts));
  const problems = [...expected(mine), ...expected(theirs)];
  worker.kill();
  await rpc.close();
  if (problems.length > 0) {
    console.error(`soak FAILED:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(
      `soak passed: every call ended once, as expected; both pending tables are empty; neither heap grew more than ${HEAP_GROWTH_LIMIT_MIB} MiB`,
    );
  }
} else {
  const report = await soak('worker', (path, input, options) => rpc.worker.call(path, input as never, options));
  report.tally.handlerAborts = handlerAborts;
  await rpc.worker.call('finished', report, { timeout: 600_000 });
}
