/**
 * The respawn policy, as pure functions of a worker slot's crash count: how
 * long to wait before the next respawn, when the count starts over, and when
 * crashes in a row make a crash loop.
 *
 * @module
 */
import type { RespawnOptions } from './options.js';

/** What the policy decided about one crash. @internal */
export type RespawnDecision =
  | { readonly action: 'respawn'; readonly crashes: number; readonly delayMs: number }
  | { readonly action: 'give-up'; readonly crashes: number };

/**
 * Decides what follows a crash.
 *
 * @param previousCrashes - Crashes in a row of this slot before this one.
 * @param uptimeMs - How long the worker that just died had run.
 * @param policy - The respawn options, with their defaults.
 * @returns `respawn` after `delayMs`, or `give-up`: a crash loop.
 * @internal
 */
export function decideRespawn(previousCrashes: number, uptimeMs: number, policy: Required<RespawnOptions>): RespawnDecision {
  // A worker that ran long enough was healthy: its crash starts a new series.
  const crashes = uptimeMs >= policy.healthyAfterMs ? 1 : previousCrashes + 1;
  if (crashes >= policy.crashLoopLimit) return { action: 'give-up', crashes };
  return { action: 'respawn', crashes, delayMs: backoffDelay(crashes, policy) };
}

/**
 * The wait before respawning after the `crashes`-th crash in a row:
 * `initialDelayMs`, doubled for each further crash, at most `maxDelayMs`.
 * @internal
 */
export function backoffDelay(crashes: number, policy: Required<RespawnOptions>): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, crashes - 1));
}
