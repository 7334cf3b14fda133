/**
 * The closed loop every contender is measured with: `concurrency` lanes, each issuing its next call as soon as the previous one
 * settles. The same code drives raw IPC, birpc and cluster-rpc; only the `call` function differs.
 *
 * The window is managed on completions, not by timers: warm-up ends once `warmupMs` passed, every lane finished at least one call
 * and, where asked, `minWarmupCalls` completed (or `maxWarmupMs` passed); the measured window then runs for `durationMs` and at
 * least `minCalls` calls (so a slow cell still sees a few full rounds of its lanes), capped at `maxMs`. Lanes stop issuing when
 * it closes and the calls still out are awaited, so the next phase starts on a quiet channel.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type LatencySummary } from './histogram.js';

/** A phase ends early after this many rejected calls. */
const MAX_ERRORS = 100;

export interface DriveSpec {
  readonly concurrency: number;
  readonly warmupMs: number;
  /** Operations the warm-up also waits for (0: none), unless it has run {@link DriveSpec.maxWarmupMs}. */
  readonly minWarmupCalls: number;
  /** The longest a warm-up waits for {@link DriveSpec.minWarmupCalls}. */
  readonly maxWarmupMs: number;
  readonly durationMs: number;
  readonly minCalls: number;
  readonly maxMs: number;
}

export interface DriveResult extends LatencySummary {
  /** Calls completed in the window per second. */
  readonly callsPerSec: number;
  /** The window's length, in milliseconds. */
  readonly windowMs: number;
  /** Calls completed from the start of the warm-up to the end of the drain. */
  readonly completedTotal: number;
  /** Calls that rejected (warm-up included); a sound cell has none. */
  readonly errors: number;
  readonly firstError?: string;
}

/** Runs `call` in a closed loop as `spec` says and reports the measured window. */
export async function drive(call: () => Promise<unknown>, spec: DriveSpec): Promise<DriveResult> {
  const histogram = new Histogram();
  const started = performance.now();
  let stage: 'warmup' | 'measure' | 'done' = 'warmup';
  let warmCompleted = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let measured = 0;
  let completedTotal = 0;
  let errors = 0;
  let firstError: string | undefined;

  const completed = (began: number, ended: number): void => {
    completedTotal++;
    if (stage === 'warmup') {
      warmCompleted++;
      const warmed = warmCompleted >= spec.minWarmupCalls || ended - started >= spec.maxWarmupMs;
      if (ended - started >= spec.warmupMs && warmCompleted >= spec.concurrency && warmed) {
        stage = 'measure';
        windowStart = ended;
      }
      return;
    }
    if (stage !== 'measure') return;
    histogram.record(ended - began);
    measured++;
    const elapsed = ended - windowStart;
    if ((elapsed >= spec.durationMs && measured >= spec.minCalls) || elapsed >= spec.maxMs) {
      stage = 'done';
      windowEnd = ended;
    }
  };

  const lane = async (): Promise<void> => {
    while (stage !== 'done') {
      const began = performance.now();
      try {
        await call();
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A contender that fails this often is broken: end the phase and let the report say so.
        if (errors >= MAX_ERRORS) {
          if (stage === 'measure') windowEnd = performance.now();
          stage = 'done';
        }
        continue;
      }
      completed(began, performance.now());
    }
  };

  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  const summary = histogram.summary();
  const windowMs = windowEnd - windowStart;
  return {
    ...summary,
    callsPerSec: windowMs > 0 ? (summary.count / windowMs) * 1000 : 0,
    windowMs,
    completedTotal,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
