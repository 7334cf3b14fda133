/** Graceful stop from the primary: `SIGTERM`, the grace period, then `SIGKILL` (docs/design.md, "Draining a worker"). @module */
import type { TrackedWorker, WorkerExit } from './tracked-worker.js';

/** After its own deadline a worker still cuts connections and closes its rpc object (up to 1 s for the last frames). */
const KILL_AFTER_GRACE_MS = 1000;

/** What became of one worker asked to stop. @internal */
export interface StopOutcome {
  readonly exit: WorkerExit;
  /** It was still alive after the grace period and was killed with `SIGKILL`. */
  readonly killed: boolean;
  /** It became ready or listened before it exited; one that did not served nothing and cannot have failed to drain. */
  readonly served: boolean;
}

/**
 * What a shutdown achieved: {@link ClusterManager.shutdown}'s result and the manager's `stopped` event.
 * @example
 * ```ts
 * import type { ShutdownResult } from 'cluster-rpc/cluster';
 * const report = (result: ShutdownResult) => result.drained || console.error(`killed: ${result.killed.join(', ')}`);
 * ```
 * @group Cluster manager
 */
export interface ShutdownResult {
  /** Every worker that served exited on its own with code 0 within the grace period, as `serveWorker` does after a full drain. */
  readonly drained: boolean;
  /** How each worker that was running ended. */
  readonly exits: readonly WorkerExit[];
  /** Ids of the workers killed with `SIGKILL` after the grace period. */
  readonly killed: readonly number[];
  /** Why the manager stopped: `SIGTERM`, `shutdown()`, a crash loop… */
  readonly reason: string;
  /** Milliseconds from the start of the shutdown to the last worker's exit. */
  readonly durationMs: number;
}

const stops = new WeakMap<TrackedWorker, Promise<StopOutcome>>();

/** Asks one worker to stop, gracefully, once; settles when it has exited. @internal */
export function stopWorker(tracked: TrackedWorker, graceMs: number): Promise<StopOutcome> {
  let stop = stops.get(tracked);
  if (!stop) {
    stop = stopOnce(tracked, graceMs);
    stops.set(tracked, stop);
  }
  return stop;
}

async function stopOnce(tracked: TrackedWorker, graceMs: number): Promise<StopOutcome> {
  if (tracked.phase === 'exited') return { exit: await tracked.exited, killed: false, served: tracked.mayHaveServed };
  tracked.phase = 'stopping';
  tracked.worker.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), graceMs + KILL_AFTER_GRACE_MS);
  });
  const exit = await Promise.race([tracked.exited, deadline]);
  clearTimeout(timer);
  if (exit) return { exit, killed: false, served: tracked.mayHaveServed };
  tracked.worker.process.kill('SIGKILL');
  return { exit: await tracked.exited, killed: true, served: tracked.mayHaveServed };
}

export async function stopWorkers(workers: readonly TrackedWorker[], graceMs: number, reason: string): Promise<ShutdownResult> {
  const startedAt = Date.now();
  const outcomes = await Promise.all(workers.map((tracked) => stopWorker(tracked, graceMs)));
  return {
    drained: outcomes.every(drainedCleanly),
    exits: outcomes.map((outcome) => outcome.exit),
    killed: outcomes.filter((outcome) => outcome.killed).map((outcome) => outcome.exit.workerId),
    reason,
    durationMs: Date.now() - startedAt,
  };
}

/** It exited on its own with code 0, or never served. @internal */
export function drainedCleanly(outcome: StopOutcome): boolean {
  return !outcome.served || (!outcome.killed && outcome.exit.code === 0);
}
