/**
 * Forking and cleaning up real cluster workers from a test file, which is the
 * cluster primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The absolute path of a file in `test/fixtures/`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** Makes `cluster.fork()` run `exec` (a TypeScript file) through tsx. */
export function useWorkerScript(exec: string, options: { silent?: boolean } = {}): void {
  cluster.setupPrimary({ exec, execArgv: ['--import', 'tsx'], silent: options.silent ?? false });
}

/** Forks a worker with extra environment variables. */
export function fork(env: Record<string, string> = {}): Worker {
  return cluster.fork(env);
}

/** Resolves with how the worker ended. */
export async function exited(worker: Worker): Promise<{ code: number | null; signal: string | null }> {
  if (worker.isDead()) return { code: worker.process.exitCode, signal: worker.process.signalCode };
  const [code, signal] = (await once(worker, 'exit')) as [number | null, string | null];
  return { code, signal };
}

/** Kills every worker still alive and waits until each has exited. */
export async function killAllWorkers(): Promise<void> {
  const alive = Object.values(cluster.workers ?? {}).filter(
    (worker): worker is Worker => worker !== undefined && !worker.isDead(),
  );
  await Promise.all(
    alive.map((worker) => {
      const done = exited(worker);
      worker.process.kill('SIGKILL');
      return done;
    }),
  );
}

/** Collects a worker's stdout (fork it with `silent: true`) and resolves with the first JSON line that has `report`. */
export function nextReport(worker: Worker): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const stdout = worker.process.stdout;
    if (!stdout) return reject(new Error('fork the worker with silent: true to read its stdout'));
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      buffered += chunk;
      // A chunk may end inside a line: only lines ended by a newline are whole.
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if ('report' in parsed) resolve(parsed);
      }
    });
    worker.once('exit', () => reject(new Error('the worker exited without a report')));
  });
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
