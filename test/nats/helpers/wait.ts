/** Polling for a condition outside a test body (hooks cannot use `expect.poll`). */
import { setTimeout as delay } from 'node:timers/promises';

/** Resolves once `check` returns true; rejects with `what` after `withinMs`. */
export async function waitFor(what: string, check: () => boolean, withinMs = 10_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await delay(20);
  }
}
