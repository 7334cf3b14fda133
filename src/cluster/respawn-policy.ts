/** The respawn policy, as pure functions of a worker slot's crash count. @module */
import type { RespawnOptions } from './options.js';

type RespawnDecision =
  | { readonly action: 'respawn'; readonly crashes: number; readonly delayMs: number }
  | { readonly action: 'give-up'; readonly crashes: number };

/** What follows a crash: `respawn` after `delayMs`, or `give-up` (a crash loop). @internal */
export function decideRespawn(previousCrashes: number, uptimeMs: number, policy: Required<RespawnOptions>): RespawnDecision {
  // A worker that ran long enough was healthy: its crash starts a new series.
  const crashes = uptimeMs >= policy.healthyAfterMs ? 1 : previousCrashes + 1;
  if (crashes >= policy.crashLoopLimit) return { action: 'give-up', crashes };
  return { action: 'respawn', crashes, delayMs: backoffDelay(crashes, policy) };
}

/** `initialDelayMs`, doubled for each further crash in a row, at most `maxDelayMs`. @internal */
export function backoffDelay(crashes: number, policy: Required<RespawnOptions>): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, crashes - 1));
}
