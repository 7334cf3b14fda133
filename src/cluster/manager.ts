/** The fork-per-CPU manager: N worker slots kept filled, respawn with backoff, rolling restart, graceful shutdown. @module */
import cluster, { type Worker } from 'node:cluster';
import { MANAGED_ENV } from '../transports/cluster-ipc.js';
import { messageOf } from '../wire/errors.js';
import { GRACE_ENV, managerRefusal } from './environment.js';
import { type ClusterManagerEvents, ManagerListeners } from './manager-events.js';
import { type ClusterManagerOptions, type ResolvedOptions, resolveOptions, type SchedulingPolicy } from './options.js';
import { decideRespawn } from './respawn-policy.js';
import { type RestartResult, rollingRestart } from './rolling-restart.js';
import { type ShutdownResult, stopWorkers } from './shutdown.js';
import { handleSignals, type SignalHandlers } from './signals.js';
import { describeExit, TrackedWorker, type WorkerExit } from './tracked-worker.js';

/**
 * Where a {@link ClusterManager} is in its life; `running` once every slot has had a ready worker.
 * @example
 * ```ts
 * import type { ClusterManagerState } from 'cluster-rpc/cluster';
 * const healthy = (state: ClusterManagerState) => state === 'running';
 * ```
 * @group Cluster manager
 */
export type ClusterManagerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Counters for a status display: what {@link ClusterManager.stats} returns.
 * @example
 * ```ts
 * import type { ClusterManagerStats } from 'cluster-rpc/cluster';
 * const describe = (stats: ClusterManagerStats) => `${stats.ready}/${stats.size} ready, ${stats.respawns} respawned`;
 * ```
 * @group Cluster manager
 */
export interface ClusterManagerStats {
  /** The number of worker slots (the `workers` option). */
  readonly size: number;
  /** Slots whose worker is ready now. */
  readonly ready: number;
  /** Worker processes alive now, replacements and draining ones included. */
  readonly alive: number;
  /** Workers forked to replace crashed ones. */
  readonly respawns: number;
  /** Workers replaced by rolling restarts. */
  readonly replaced: number;
  /** `true` once the crash-loop limit was reached: no more respawns. */
  readonly crashLoop: boolean;
}

/**
 * Options of {@link ClusterManager.shutdown}.
 * @example
 * ```ts
 * import type { ShutdownOptions } from 'cluster-rpc/cluster';
 * const options: ShutdownOptions = { reason: 'maintenance window' };
 * ```
 * @group Cluster manager
 */
export interface ShutdownOptions {
  /** Why, for the log and {@link ShutdownResult.reason}. Default: `'shutdown()'`. */
  readonly reason?: string;
}

/**
 * A cluster: made by {@link createClusterManager}, started with {@link ClusterManager.start}.
 * @example
 * ```ts
 * import { createClusterManager } from 'cluster-rpc/cluster';
 * import { rpc } from './rpc.js';
 * const manager = createClusterManager({ workers: 4, rpc, signals: false, exitProcess: false });
 * await manager.start();
 * await manager.restart(); // rolling: the port keeps answering
 * process.exitCode = (await manager.shutdown({ reason: 'deploy done' })).drained ? 0 : 1;
 * ```
 * @group Cluster manager
 */
export interface ClusterManager {
  /** Where it is in its life. */
  readonly state: ClusterManagerState;
  /** The worker serving each slot, in slot order (ready or starting; a slot waiting for its respawn has none). */
  readonly workers: readonly Worker[];
  /** The scheduling policy in force: set by `start()`, from the option or Node's default. */
  readonly schedulingPolicy: SchedulingPolicy;
  /** Counters for a status display. */
  stats(): ClusterManagerStats;

  /**
   * Applies the scheduling policy, installs the signal handlers, forks the workers; resolves once all are ready. Idempotent.
   * @throws `Error` (as a rejection) when a crash loop or a shutdown comes first, or this process forked already.
   */
  start(): Promise<void>;

  /**
   * Rolling restart (also on `signals.restart`): each worker in turn is replaced by a new one, ready before the old drains.
   * @throws `Error` (as a rejection) when not running, a replacement is late (the old one serves on), or a shutdown interrupts.
   */
  restart(): Promise<RestartResult>;

  /**
   * Graceful shutdown (also on `signals.shutdown`): `SIGTERM` to every worker, `shutdownGraceMs` to drain, then
   * `SIGKILL`; then closes the `rpc` option's object. It never ends the process itself.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownResult>;

  /** Listens to one of {@link ClusterManagerEvents}; returns the function that removes the listener. */
  on<TEvent extends keyof ClusterManagerEvents>(event: TEvent, listener: ClusterManagerEvents[TEvent]): () => void;
}

/**
 * Creates the manager of a fork-per-CPU cluster, in the primary, not started; call {@link serveWorker} in each
 * worker. Why it works as it does: [design notes](../../docs/design.md#draining-a-worker).
 * @throws `TypeError` for an option out of range; `Error` in a cluster worker (PM2's cluster mode included).
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import http from 'node:http';
 * import { createClusterManager, serveWorker } from 'cluster-rpc/cluster';
 * import { rpc } from './rpc.js';
 * if (cluster.isPrimary) await createClusterManager({ workers: 4, rpc }).start();
 * else serveWorker({ server: http.createServer((req, res) => res.end('ok')).listen(8000), rpc });
 * ```
 * @group Cluster manager
 */
export function createClusterManager(options: ClusterManagerOptions = {}): ClusterManager {
  const refusal = managerRefusal();
  if (refusal) throw new Error(`createClusterManager: ${refusal}`);
  return new Manager(resolveOptions(options));
}

/** One of the N places a worker fills. */
interface Slot {
  readonly index: number;
  current: TrackedWorker | undefined;
  /** Crashes in a row, for the respawn policy. */
  crashes: number;
  respawnTimer: NodeJS.Timeout | undefined;
}

class Manager implements ClusterManager {
  #state: ClusterManagerState = 'idle';
  readonly #options: ResolvedOptions;
  readonly #slots: Slot[];
  /** Every worker alive, including replacements and workers draining. */
  readonly #alive = new Set<TrackedWorker>();
  readonly #events: ManagerListeners;
  #respawns = 0;
  #replaced = 0;
  #crashLoop = false;
  #starting: Promise<void> | undefined;
  #settleStart: (error?: Error) => void = () => {};
  #restarting: Promise<RestartResult> | undefined;
  #stopping: Promise<ShutdownResult> | undefined;
  #shutdownReason: string | undefined;
  #detachSignals: () => void = () => {};

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#events = new ManagerListeners(options.logger);
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      current: undefined,
      crashes: 0,
      respawnTimer: undefined,
    }));
  }

  get state(): ClusterManagerState {
    return this.#state;
  }

  get workers(): readonly Worker[] {
    return this.#slots.flatMap((slot) => (slot.current ? [slot.current.worker] : []));
  }

  get schedulingPolicy(): SchedulingPolicy {
    return cluster.schedulingPolicy === cluster.SCHED_NONE ? 'none' : 'rr';
  }

  stats(): ClusterManagerStats {
    return {
      size: this.#slots.length,
      ready: this.#slots.filter((slot) => slot.current?.phase === 'ready').length,
      alive: this.#alive.size,
      respawns: this.#respawns,
      replaced: this.#replaced,
      crashLoop: this.#crashLoop,
    };
  }

  on<TEvent extends keyof ClusterManagerEvents>(event: TEvent, listener: ClusterManagerEvents[TEvent]): () => void {
    return this.#events.on(event, listener);
  }

  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#state !== 'idle') throw new Error(`start(): the manager is already ${this.#state}`);
    applySchedulingPolicy(this.#options);
    cluster.setupPrimary(this.#options.setup);
    const started = new Promise<void>((resolve, reject) => {
      this.#settleStart = (error) => {
        this.#settleStart = () => {};
        if (error) reject(error);
        else resolve();
      };
    });
    this.#state = 'starting';
    const handlers: SignalHandlers = {};
    for (const signal of this.#options.signals.shutdown) handlers[signal] = this.#onStopSignal;
    for (const signal of this.#options.signals.restart) handlers[signal] = this.#onRestartSignal;
    this.#detachSignals = handleSignals(handlers);
    this.#log(
      'info',
      `starting ${this.#slots.length} workers (scheduling policy ${this.schedulingPolicy}, primary pid ${process.pid})`,
    );
    const startedAt = Date.now();
    for (const slot of this.#slots) slot.current = this.#fork(slot.index);
    await started;
    this.#log('info', `all ${this.#slots.length} workers ready in ${formatMs(Date.now() - startedAt)}`);
  }

  restart(): Promise<RestartResult> {
    if (this.#state !== 'running') {
      return Promise.reject(new Error(`restart(): the manager must be running; it is ${this.#state}`));
    }
    this.#restarting ??= this.#restart().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restart(): Promise<RestartResult> {
    const { restartConcurrency, shutdownGraceMs } = this.#options;
    this.#log('info', `rolling restart: replacing ${this.workers.length} workers, ${restartConcurrency} at a time`);
    try {
      const result = await rollingRestart({
        serving: () => this.#slots.flatMap((slot) => (slot.current?.phase === 'ready' ? [slot.current] : [])),
        forkReplacement: (slot) => {
          if (this.#state !== 'running') throw new Error('rolling restart stopped: the manager is shutting down');
          return this.#fork(slot);
        },
        promote: (replacement) => this.#promote(replacement),
        shutdownReason: () => this.#shutdownReason,
        graceMs: shutdownGraceMs,
        concurrency: restartConcurrency,
      });
      this.#log(
        'info',
        `rolling restart done: ${result.replaced} workers replaced in ${formatMs(result.durationMs)}` +
          (result.drained ? '' : '; some old workers did not drain'),
      );
      this.#events.emit('restarted', result);
      return result;
    } catch (error) {
      // Interrupted by a shutdown is what was asked for, not a failure.
      this.#log(this.#shutdownReason === undefined ? 'error' : 'info', messageOf(error));
      throw error;
    }
  }

  shutdown(options?: ShutdownOptions): Promise<ShutdownResult> {
    this.#stopping ??= this.#shutdown(options?.reason ?? 'shutdown()');
    return this.#stopping;
  }

  async #shutdown(reason: string): Promise<ShutdownResult> {
    const { shutdownGraceMs, rpc } = this.#options;
    this.#state = 'stopping';
    this.#shutdownReason = reason;
    this.#stopRespawning();
    this.#settleStart(new Error(`the manager was shut down (${reason}) before every worker was ready`));
    const startedAt = Date.now();
    const starting = [...this.#alive].filter((tracked) => !tracked.mayHaveServed).length;
    this.#log(
      'info',
      `shutting down (${reason}): draining ${this.#alive.size - starting} workers` +
        (starting > 0 ? `, stopping ${starting} still starting` : '') +
        `, grace ${formatMs(shutdownGraceMs)}`,
    );
    const result = await stopWorkers([...this.#alive], shutdownGraceMs, reason);
    for (const slot of this.#slots) slot.current = undefined;
    try {
      await rpc?.close({ grace: Math.max(0, shutdownGraceMs - (Date.now() - startedAt)) });
    } catch (error) {
      this.#log('error', `closing the rpc object failed: ${messageOf(error)}`);
    }
    this.#detachSignals();
    this.#state = 'stopped';
    this.#log(
      result.drained ? 'info' : 'warn',
      result.drained
        ? `stopped in ${formatMs(result.durationMs)}: every worker drained`
        : `stopped in ${formatMs(result.durationMs)}: not every worker drained` +
            (result.killed.length > 0 ? ` (killed after the grace period: worker ${result.killed.join(', ')})` : ''),
    );
    this.#events.emit('stopped', result);
    return result;
  }

  #fork(slot: number): TrackedWorker {
    const worker = cluster.fork({
      ...this.#options.env,
      [MANAGED_ENV]: '1',
      [GRACE_ENV]: String(this.#options.shutdownGraceMs),
    });
    // Without a listener, an 'error' (a failed kill or send) would crash the primary.
    worker.on('error', (error: Error) => this.#log('error', `worker ${worker.id}: ${error.message}`));
    const tracked = new TrackedWorker(worker, slot, this.#options);
    this.#alive.add(tracked);
    this.#events.emit('fork', worker);
    tracked.ready.then(
      () => this.#onReady(tracked),
      (error: Error) => this.#onNotReady(tracked, error),
    );
    void tracked.exited.then((exit) => this.#onExit(tracked, exit));
    return tracked;
  }

  #onReady(tracked: TrackedWorker): void {
    if (tracked.phase !== 'ready') return;
    this.#events.emit('ready', tracked.worker, tracked.address);
    if (this.#state === 'starting' && this.#slots.every((slot) => slot.current?.phase === 'ready')) {
      this.#state = 'running';
      this.#settleStart();
    }
  }

  #onNotReady(tracked: TrackedWorker, error: Error): void {
    // Deaths are reported by #onExit, and a rolling restart deals with its own replacements.
    if (tracked.phase !== 'starting' || !this.#isServing(tracked)) return;
    this.#log('error', `${error.message}; killing it`);
    tracked.worker.process.kill('SIGKILL');
  }

  #onExit(tracked: TrackedWorker, exit: WorkerExit): void {
    this.#alive.delete(tracked);
    const slot = this.#slots[tracked.slot] as Slot;
    const crashed = !exit.expected && this.#isServing(tracked);
    if (slot.current === tracked) slot.current = undefined;
    const death =
      `${tracked.describe()} ${describeExit(exit)} after ${formatMs(exit.uptimeMs)}` +
      (tracked.mayHaveServed ? '' : ', before it was ready');
    if (!crashed || this.#state === 'stopping' || this.#state === 'stopped' || this.#crashLoop) {
      this.#log(crashed ? 'warn' : 'info', death);
      this.#events.emit('exit', exit);
      return;
    }
    const decision = decideRespawn(slot.crashes, exit.uptimeMs, this.#options.respawn);
    slot.crashes = decision.crashes;
    if (decision.action === 'give-up') {
      this.#log('warn', death);
      this.#events.emit('exit', exit);
      return this.#onCrashLoop(slot, exit, death);
    }
    const { crashLoopLimit } = this.#options.respawn;
    this.#log(
      'warn',
      `${death}; respawning in ${formatMs(decision.delayMs)} (crash ${decision.crashes} of ${crashLoopLimit} in a row)`,
    );
    this.#events.emit('exit', exit);
    slot.respawnTimer = setTimeout(() => {
      slot.respawnTimer = undefined;
      this.#respawns++;
      slot.current = this.#fork(slot.index);
    }, decision.delayMs);
  }

  #onCrashLoop(slot: Slot, lastExit: WorkerExit, death: string): void {
    this.#crashLoop = true;
    this.#stopRespawning();
    const message =
      `crash loop: worker slot ${slot.index} crashed ${slot.crashes} times in a row, each within ` +
      `${formatMs(this.#options.respawn.healthyAfterMs)} of its start (last: ${death}); respawning stopped`;
    this.#log('error', message);
    this.#settleStart(new Error(message));
    if (this.#events.count('crashLoop') > 0) {
      this.#events.emit('crashLoop', { slot: slot.index, crashes: slot.crashes, lastExit, message });
      return;
    }
    void this.shutdown({ reason: 'crash loop' }).then(() => this.#exitProcess(1));
  }

  #promote(replacement: TrackedWorker): TrackedWorker | undefined | false {
    if (this.#state !== 'running') return false;
    const slot = this.#slots[replacement.slot] as Slot;
    const previous = slot.current;
    clearTimeout(slot.respawnTimer);
    slot.respawnTimer = undefined;
    slot.current = replacement;
    this.#replaced++;
    return previous;
  }

  /** It is the worker its slot counts on (not a replacement on trial). */
  #isServing(tracked: TrackedWorker): boolean {
    return this.#slots[tracked.slot]?.current === tracked;
  }

  #stopRespawning(): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.respawnTimer);
      slot.respawnTimer = undefined;
    }
  }

  readonly #onStopSignal = (signal: NodeJS.Signals): void => {
    if (this.#stopping) {
      this.#log('warn', `${signal} received while shutting down: already draining`);
      return;
    }
    void this.shutdown({ reason: signal }).then((result) => this.#exitProcess(result.drained ? 0 : 1));
  };

  readonly #onRestartSignal = (signal: NodeJS.Signals): void => {
    if (this.#state !== 'running') {
      this.#log('warn', `${signal} ignored: a rolling restart needs a running manager; it is ${this.#state}`);
      return;
    }
    // A failure is logged by #restart.
    this.restart().catch(() => {});
  };

  #exitProcess(code: number): void {
    if (this.#options.exitProcess) process.exit(code);
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#options.logger[level](`[cluster] ${message}`);
  }
}

/** Node freezes `cluster.schedulingPolicy` at the first `setupPrimary()` or `fork()`; unset, Node's choice stands. */
function applySchedulingPolicy({ schedulingPolicy, logger }: ResolvedOptions): void {
  const fromEnv = process.env.NODE_CLUSTER_SCHED_POLICY;
  if (fromEnv !== undefined && fromEnv !== 'rr' && fromEnv !== 'none') {
    logger.warn(`[cluster] NODE_CLUSTER_SCHED_POLICY='${fromEnv}' is neither 'rr' nor 'none'; Node ignores it`);
  }
  if (schedulingPolicy === undefined) return;
  const wanted = schedulingPolicy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  if (cluster.schedulingPolicy === wanted) return;
  if ('exec' in cluster.settings) {
    throw new Error(
      `start(): schedulingPolicy '${schedulingPolicy}' cannot take effect: this process already called ` +
        `cluster.setupPrimary() or cluster.fork(), which freezes the policy (it is '${schedulingPolicy === 'rr' ? 'none' : 'rr'}')`,
    );
  }
  cluster.schedulingPolicy = wanted;
}

/** `850 ms` or `2.4 s`. */
function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
