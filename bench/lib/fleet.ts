/**
 * The benchmark's workers: forked on demand (fan-out cells need exactly as many workers as they fan out to), steered through
 * their control lines, and all stopped at the end, whatever happens.
 */
import cluster, { type Worker } from 'node:cluster';
import { ControlLine } from './control.js';
import { withTimeout } from './stats.js';

/** How long a worker may take to start and announce itself. */
const START_TIMEOUT_MS = 30_000;
/** How long a worker gets to exit on request (and write its profile) before it is killed. */
const EXIT_GRACE_MS = 5_000;

export class Fleet {
  readonly lines: ControlLine[] = [];
  #stopping = false;
  readonly #leaving = new Set<Worker>();

  /** @param workerScript - The worker entry point; forked with this process's `execArgv` (tsx, --expose-gc, --cpu-prof…). */
  constructor(workerScript: string) {
    cluster.setupPrimary({ exec: workerScript, execArgv: [...process.execArgv], silent: false });
    cluster.on('exit', (worker, code, signal) => {
      if (!this.#stopping && !this.#leaving.has(worker))
        console.error(`\nbench: worker ${worker.id} exited unexpectedly (${signal ?? `code ${code}`})`);
    });
  }

  get workers(): Worker[] {
    return this.lines.map((line) => line.worker);
  }

  /** Forks or stops workers until exactly `count` are alive and listening. */
  async resize(count: number): Promise<void> {
    while (this.lines.length > count) {
      const line = this.lines.pop();
      if (line) await this.#stop(line);
    }
    while (this.lines.length < count) this.lines.push(new ControlLine(cluster.fork()));
    await withTimeout(Promise.all(this.lines.map((line) => line.ready)), START_TIMEOUT_MS, 'workers did not start');
  }

  /** Asks every worker to exit, kills those that do not. Safe to call twice. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.lines.splice(0).map((line) => this.#stop(line)));
  }

  /** Kills every worker now (on a signal). */
  killAll(): void {
    this.#stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
  }

  async #stop(line: ControlLine): Promise<void> {
    const worker = line.worker;
    if (worker.isDead()) return;
    this.#leaving.add(worker);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    line.request({ op: 'exit' }, EXIT_GRACE_MS).catch(() => undefined);
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), EXIT_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
