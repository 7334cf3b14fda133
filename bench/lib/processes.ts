/**
 * The helper processes besides the workers (wrk, the Redis server), killed when the benchmark exits for any reason Node can act
 * on; the Redis server also guards itself against a SIGKILL of the benchmark (redis.ts).
 */
import type { ChildProcess } from 'node:child_process';

/** Each running child, and the signal that ends it at once. */
const running = new Map<ChildProcess, NodeJS.Signals>();

/** Kills every tracked process that is still running (synchronous: safe in an `'exit'` listener). */
export function killTracked(): void {
  for (const [child, signal] of running) {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

process.on('exit', killTracked);

/**
 * Tracks `child` until it exits; returns it.
 *
 * @param signal - What ends it at once: SIGKILL, unless it must clean up after itself first.
 */
export function track<T extends ChildProcess>(child: T, signal: NodeJS.Signals = 'SIGKILL'): T {
  running.set(child, signal);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Asks `child` to stop with `signal`, and kills it if it has not exited after `graceMs`. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const gone = exited(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await gone;
  }
}
