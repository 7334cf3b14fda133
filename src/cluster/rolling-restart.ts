/** Rolling restart: each new worker is ready before the old one it replaces drains, so the port is served throughout. @module */
import { messageOf } from '../wire/errors.js';
import { drainedCleanly, type StopOutcome, stopWorker } from './shutdown.js';
import type { TrackedWorker } from './tracked-worker.js';

/**
 * What a rolling restart did: {@link ClusterManager.restart}'s result and the `restarted` event.
 * @example
 * ```ts
 * import type { RestartResult } from 'cluster-rpc/cluster';
 * const describe = (result: RestartResult) => `${result.replaced} replaced in ${result.durationMs} ms`;
 * ```
 * @group Cluster manager
 */
export interface RestartResult {
  /** How many workers were replaced. */
  readonly replaced: number;
  /** `true` when every old worker finished its work and exited on its own within the grace period. */
  readonly drained: boolean;
  /** Milliseconds from start to the last old worker's exit. */
  readonly durationMs: number;
}

interface RestartHost {
  serving(): readonly TrackedWorker[];
  /** Forks a new worker for `slot`; it does not serve the slot yet. */
  forkReplacement(slot: number): TrackedWorker;
  /** Returns who served the slot until now, or `false` when the manager is stopping (no promotion). */
  promote(replacement: TrackedWorker): TrackedWorker | undefined | false;
  /** Once set, the shutdown stops every worker, replacements included. */
  shutdownReason(): string | undefined;
  readonly graceMs: number;
  readonly concurrency: number;
}

/** Stops at the first replacement that does not become ready: the old worker keeps serving. @internal */
export async function rollingRestart(host: RestartHost): Promise<RestartResult> {
  const startedAt = Date.now();
  const old = host.serving();
  let replaced = 0;
  let drained = true;
  for (let first = 0; first < old.length; first += host.concurrency) {
    const reason = host.shutdownReason();
    if (reason !== undefined) throw interrupted(reason, `after replacing ${replaced} of ${old.length} workers`);
    const batch = old.slice(first, first + host.concurrency);
    const settled = await Promise.allSettled(batch.map((tracked) => replace(host, tracked)));
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      replaced++;
      if (outcome.value) drained &&= drainedCleanly(outcome.value);
    }
  }
  return { replaced, drained, durationMs: Date.now() - startedAt };
}

async function replace(host: RestartHost, old: TrackedWorker): Promise<StopOutcome | undefined> {
  const replacement = host.forkReplacement(old.slot);
  try {
    await replacement.ready;
  } catch (error) {
    const reason = host.shutdownReason();
    if (reason !== undefined) throw interrupted(reason, `${replacement.describe()} was still starting and was stopped`);
    void stopWorker(replacement, 0);
    throw new Error(`rolling restart stopped: ${messageOf(error)}; ${old.describe()} keeps serving`);
  }
  const previous = host.promote(replacement);
  if (previous === false) {
    throw interrupted(host.shutdownReason() ?? 'shutdown', `${replacement.describe()} was ready and drains with the others`);
  }
  return previous && previous.phase !== 'exited' ? stopWorker(previous, host.graceMs) : undefined;
}

function interrupted(reason: string, detail: string): Error {
  return new Error(`rolling restart interrupted by the shutdown (${reason}): ${detail}`);
}
