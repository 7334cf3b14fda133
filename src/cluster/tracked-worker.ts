/** One worker the manager forked, followed from fork to exit. @module */
import type { Address, Worker } from 'node:cluster';
import { messageOf } from '../wire/errors.js';

/**
 * How a worker died, as the manager's `exit` event and log report it.
 * @example
 * ```ts
 * import type { WorkerExit } from 'cluster-rpc/cluster';
 * const describe = (exit: WorkerExit) => `worker ${exit.workerId} died: ${exit.signal ?? `code ${exit.code}`}`;
 * ```
 * @group Cluster manager
 */
export interface WorkerExit {
  /** Its cluster id. */
  readonly workerId: number;
  /** Its process id. */
  readonly pid: number;
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from its fork to its exit. */
  readonly uptimeMs: number;
  /** The manager had asked it to stop; a worker killed for not being ready in time counts as a crash instead. */
  readonly expected: boolean;
}

/** How a worker's readiness is judged. @internal */
interface Readiness {
  readonly readyOn: 'listening' | 'online';
  readonly readyCheck: ((worker: Worker) => unknown) | undefined;
  readonly readyTimeoutMs: number;
}

/** `stopping`: asked to stop, so its exit is expected. @internal */
type WorkerPhase = 'starting' | 'ready' | 'stopping' | 'exited';

export class TrackedWorker {
  phase: WorkerPhase = 'starting';
  readonly pid: number;
  readonly forkedAt = Date.now();
  /** The address it listens on, once `readyOn: 'listening'` saw it. */
  address: Address | undefined;
  /** Ready or listening: under `'rr'` a worker gets connections once it listens, before its `readyCheck`. */
  mayHaveServed = false;
  /** Resolves once ready; rejects, with the reason, if it exits or times out first. Never unhandled. */
  readonly ready: Promise<void>;
  readonly exited: Promise<WorkerExit>;

  #readyTimer: NodeJS.Timeout | undefined;
  #readySettled = false;
  #settleReady: (error?: Error) => void = () => {};

  constructor(
    readonly worker: Worker,
    readonly slot: number,
    readiness: Readiness,
  ) {
    this.pid = worker.process.pid ?? 0;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => {
        if (this.#readySettled) return;
        this.#readySettled = true;
        clearTimeout(this.#readyTimer);
        if (error) reject(error);
        else resolve();
      };
    });
    this.ready.catch(() => {});
    this.exited = new Promise<WorkerExit>((resolve) => {
      worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        const exit: WorkerExit = {
          workerId: worker.id,
          pid: this.pid,
          code,
          signal,
          uptimeMs: Date.now() - this.forkedAt,
          expected: this.phase === 'stopping',
        };
        this.phase = 'exited';
        this.#settleReady(new Error(`${this.describe()} ${describeExit(exit)} before it was ready`));
        resolve(exit);
      });
    });
    this.#readyTimer = setTimeout(
      () => this.#settleReady(new Error(`${this.describe()} was not ready within ${readiness.readyTimeoutMs} ms`)),
      readiness.readyTimeoutMs,
    );
    worker.once('listening', () => {
      this.mayHaveServed = true;
    });
    worker.once(readiness.readyOn, (address?: Address) => {
      this.address = address;
      void this.#check(readiness.readyCheck);
    });
  }

  async #check(readyCheck: Readiness['readyCheck']): Promise<void> {
    try {
      if (readyCheck) await readyCheck(this.worker);
    } catch (error) {
      return this.#settleReady(new Error(`the readyCheck of ${this.describe()} failed: ${messageOf(error)}`));
    }
    // Too late if it timed out or exited meanwhile.
    if (this.#readySettled) return;
    if (this.phase === 'starting') this.phase = 'ready';
    this.mayHaveServed = true;
    this.#settleReady();
  }

  describe(): string {
    return `worker ${this.worker.id} (pid ${this.pid})`;
  }
}

/** `exited with code 1` or `was killed by SIGKILL`. @internal */
export function describeExit(exit: WorkerExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
}
