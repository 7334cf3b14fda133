/** The cluster manager's options, their defaults, and the one function that checks them. @module */
import type { Worker } from 'node:cluster';
import os from 'node:os';
import type { CloseOptions } from '../engine/engine.js';
import { signalProblem } from './signals.js';

/**
 * How connections are spread: `'rr'` (the primary hands them out in turn) or `'none'` (the kernel picks a worker).
 * @example
 * ```ts
 * import type { SchedulingPolicy } from 'cluster-rpc/cluster';
 * const schedulingPolicy: SchedulingPolicy = process.env.SPREAD_BY_KERNEL ? 'none' : 'rr';
 * ```
 * @group Cluster manager
 */
export type SchedulingPolicy = 'rr' | 'none';

/**
 * Where the manager writes what happens to its workers; `console` fits.
 * @example
 * ```ts
 * import type { ClusterLogger } from 'cluster-rpc/cluster';
 * const logger: ClusterLogger = { info: console.info, warn: console.warn, error: (message) => console.error(`!! ${message}`) };
 * ```
 * @group Cluster manager
 */
export interface ClusterLogger {
  /** Starts, deaths that were asked for, rolling restarts, shutdowns. */
  info(message: string): void;
  /** Unexpected deaths and respawns. */
  warn(message: string): void;
  /** A crash loop, a worker that never became ready, a failed rolling restart. */
  error(message: string): void;
}

/**
 * When and how often a crashed worker is replaced.
 * @example
 * ```ts
 * import type { RespawnOptions } from 'cluster-rpc/cluster';
 * const patient: RespawnOptions = { initialDelayMs: 1000, maxDelayMs: 30_000, crashLoopLimit: 10 };
 * ```
 * @group Cluster manager
 */
export interface RespawnOptions {
  /** Wait before the first respawn after a crash, in ms; doubled for each further crash in a row. Default: 200. */
  readonly initialDelayMs?: number;
  /** The longest wait between respawns, in ms. Default: 10 000. */
  readonly maxDelayMs?: number;
  /** A worker that ran this long (ms) before dying was healthy: its crash starts a new count. Default: 30 000. */
  readonly healthyAfterMs?: number;
  /** Crashes in a row of one worker slot after which the manager stops respawning (a crash loop). Default: 6. */
  readonly crashLoopLimit?: number;
}

/**
 * Which signals the primary handles, by what they start: a key left out keeps its default, `false` leaves them to the app.
 * @example
 * ```ts
 * import type { ClusterManagerSignals } from 'cluster-rpc/cluster';
 * const signals: ClusterManagerSignals = { restart: 'SIGUSR2' }; // SIGHUP stays the app's
 * ```
 * @group Cluster manager
 */
export interface ClusterManagerSignals {
  /** Graceful shutdown, then exit (see `exitProcess`). Default: `['SIGTERM', 'SIGINT']`. */
  readonly shutdown?: NodeJS.Signals | readonly NodeJS.Signals[] | false;
  /** Rolling restart, as {@link ClusterManager.restart}. Default: `'SIGHUP'`. */
  readonly restart?: NodeJS.Signals | readonly NodeJS.Signals[] | false;
}

/**
 * An rpc object as the cluster module uses it: the manager closes the primary's last, `serveWorker` drains a worker's
 * (or a PM2 instance's) before closing it. Any `createClusterRpc` result fits.
 * @example
 * ```ts
 * import type { DrainableRpc } from 'cluster-rpc/cluster';
 * import { rpc } from './rpc.js';
 * const drainable: DrainableRpc = rpc;
 * ```
 * @group Cluster manager
 */
export interface DrainableRpc {
  /** The rpc object's side: a primary's drain waits for its requests only, its `close()` for the calls under way. */
  readonly side?: 'primary' | 'worker';
  /** Closed last, with what is left of the grace period. */
  close(options?: CloseOptions): Promise<void>;
  /** Calls under way; while it is above 0 a worker's drain waits (within the grace period). Not for a primary. */
  pendingCount?(): number;
}

/**
 * Options of {@link createClusterManager}, all optional.
 * @example
 * ```ts
 * import type { ClusterManagerOptions } from 'cluster-rpc/cluster';
 * const options: ClusterManagerOptions = { workers: 4, shutdownGraceMs: 15_000, respawn: { crashLoopLimit: 10 } };
 * ```
 * @group Cluster manager
 */
export interface ClusterManagerOptions {
  /** How many workers to keep running. Default: `os.availableParallelism()`. */
  readonly workers?: number;
  /** The worker script. Default: Node's, the primary's own script (`process.argv[1]`). */
  readonly exec?: string;
  /** Node flags for the workers. Default: Node's, the primary's `process.execArgv`. */
  readonly execArgv?: readonly string[];
  /** Arguments for the worker script. Default: Node's, the primary's `process.argv.slice(2)`. */
  readonly args?: readonly string[];
  /** Send the workers' stdout and stderr to the primary's pipes instead of its terminal. Default: `false`. */
  readonly silent?: boolean;
  /** Environment variables added to each worker's (which starts as the primary's). Default: none. */
  readonly env?: Readonly<Record<string, string>>;
  /** Wins over `NODE_CLUSTER_SCHED_POLICY`. Default: Node's, that variable or else `'rr'` (`'none'` on Windows). */
  readonly schedulingPolicy?: SchedulingPolicy;
  /** Respawn with backoff, and the crash-loop limit. */
  readonly respawn?: RespawnOptions;
  /** Ms a stopping worker may take to drain (`serveWorker` uses it too); 1 s later it gets `SIGKILL`. Default: 10 000. */
  readonly shutdownGraceMs?: number;
  /** When a new worker counts as up: its server listens, or (without a server) its process runs. Default: `'listening'`. */
  readonly readyOn?: 'listening' | 'online';
  /** Run after `readyOn`, such as an rpc call to the worker; ready once it resolves. Default: none. */
  readonly readyCheck?: (worker: Worker) => unknown;
  /** A new worker not ready within this many ms is killed (and counts as a crash). Default: 30 000. */
  readonly readyTimeoutMs?: number;
  /** How many workers a rolling restart replaces at a time. Default: 1. */
  readonly restartConcurrency?: number;
  /** The signals that start a shutdown and a rolling restart; `false` for none. Default: as {@link ClusterManagerSignals}. */
  readonly signals?: boolean | ClusterManagerSignals;
  /** After a shutdown caused by a signal or a crash loop, exit: 0 when every worker that served drained, else 1. Default: `true`. */
  readonly exitProcess?: boolean;
  /** Closed once the workers are gone, with the rest of the grace period: pass the primary's rpc object. */
  readonly rpc?: DrainableRpc;
  /** Where to log; `false` for nothing. Default: `console`. */
  readonly logger?: ClusterLogger | false;
}

const DEFAULT_RESPAWN_DELAY_MS = 200;
const DEFAULT_MAX_RESPAWN_DELAY_MS = 10_000;
const DEFAULT_HEALTHY_AFTER_MS = 30_000;
/** Default of {@link RespawnOptions.crashLoopLimit}: with the default delays, some 6 s plus six start-ups. */
const DEFAULT_CRASH_LOOP_LIMIT = 6;
/** Default of {@link ClusterManagerOptions.shutdownGraceMs}: well inside Kubernetes' 30 s before its `SIGKILL`. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** Default of {@link ClusterManagerOptions.readyTimeoutMs}: a cold start under load can take seconds. */
const DEFAULT_READY_TIMEOUT_MS = 30_000;

/** One list per role, empty for none. */
interface ResolvedSignals {
  readonly shutdown: readonly NodeJS.Signals[];
  readonly restart: readonly NodeJS.Signals[];
}

const DEFAULT_SIGNALS: ResolvedSignals = { shutdown: ['SIGTERM', 'SIGINT'], restart: ['SIGHUP'] };
const NO_SIGNALS: ResolvedSignals = { shutdown: [], restart: [] };

export interface ResolvedOptions {
  readonly workers: number;
  readonly setup: { exec?: string; execArgv?: string[]; args?: string[]; silent?: boolean };
  readonly env: Readonly<Record<string, string>>;
  readonly schedulingPolicy: SchedulingPolicy | undefined;
  readonly respawn: Required<RespawnOptions>;
  readonly shutdownGraceMs: number;
  readonly readyOn: 'listening' | 'online';
  readonly readyCheck: ((worker: Worker) => unknown) | undefined;
  readonly readyTimeoutMs: number;
  readonly restartConcurrency: number;
  readonly signals: ResolvedSignals;
  readonly exitProcess: boolean;
  readonly rpc: DrainableRpc | undefined;
  readonly logger: ClusterLogger;
}

const SILENT_LOGGER: ClusterLogger = { info() {}, warn() {}, error() {} };

/** @throws `TypeError` naming the option and the value. @internal */
export function resolveOptions(options: ClusterManagerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createClusterManager expects an options object');
  const respawn = options.respawn ?? {};
  const setup: ResolvedOptions['setup'] = {};
  if (options.exec !== undefined) setup.exec = checkString(options.exec, 'exec');
  if (options.execArgv !== undefined) setup.execArgv = checkStrings(options.execArgv, 'execArgv');
  if (options.args !== undefined) setup.args = checkStrings(options.args, 'args');
  if (options.silent !== undefined) setup.silent = checkBoolean(options.silent, 'silent');
  return {
    workers: checkCount(options.workers ?? os.availableParallelism(), 'workers'),
    setup,
    env: checkEnv(options.env ?? {}),
    schedulingPolicy: options.schedulingPolicy === undefined ? undefined : checkPolicy(options.schedulingPolicy),
    respawn: {
      initialDelayMs: checkMs(respawn.initialDelayMs ?? DEFAULT_RESPAWN_DELAY_MS, 'respawn.initialDelayMs'),
      maxDelayMs: checkMs(respawn.maxDelayMs ?? DEFAULT_MAX_RESPAWN_DELAY_MS, 'respawn.maxDelayMs'),
      healthyAfterMs: checkMs(respawn.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS, 'respawn.healthyAfterMs'),
      crashLoopLimit: checkCount(respawn.crashLoopLimit ?? DEFAULT_CRASH_LOOP_LIMIT, 'respawn.crashLoopLimit'),
    },
    shutdownGraceMs: checkMs(options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS, 'shutdownGraceMs'),
    readyOn: checkReadyOn(options.readyOn ?? 'listening'),
    readyCheck: options.readyCheck === undefined ? undefined : checkFunction(options.readyCheck, 'readyCheck'),
    readyTimeoutMs: checkMs(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, 'readyTimeoutMs'),
    restartConcurrency: checkCount(options.restartConcurrency ?? 1, 'restartConcurrency'),
    signals: checkSignals(options.signals ?? true),
    exitProcess: checkBoolean(options.exitProcess ?? true, 'exitProcess'),
    rpc: options.rpc === undefined ? undefined : checkRpc(options.rpc),
    logger: options.logger === false ? SILENT_LOGGER : checkLogger(options.logger ?? console),
  };
}

function fail(name: string, expected: string, value: unknown): never {
  return invalid(`${name} must be ${expected}, got ${describe(value)}`);
}

function invalid(message: string): never {
  throw new TypeError(`createClusterManager: ${message}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function checkCount(value: unknown, name: string): number {
  return Number.isInteger(value) && (value as number) > 0 ? (value as number) : fail(name, 'a positive integer', value);
}

function checkMs(value: unknown, name: string): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? value
    : fail(name, 'a finite number of milliseconds (0 or more)', value);
}

function checkString(value: unknown, name: string): string {
  return typeof value === 'string' && value !== '' ? value : fail(name, 'a non-empty string', value);
}

function checkStrings(value: unknown, name: string): string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? [...value]
    : fail(name, 'an array of strings', value);
}

function checkBoolean(value: unknown, name: string): boolean {
  return typeof value === 'boolean' ? value : fail(name, 'true or false', value);
}

function checkFunction<T>(value: T, name: string): T {
  return typeof value === 'function' ? value : fail(name, 'a function', value);
}

function checkSignals(value: unknown): ResolvedSignals {
  if (value === true) return DEFAULT_SIGNALS;
  if (value === false) return NO_SIGNALS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('signals', 'true, false or an object { shutdown?, restart? }', value);
  }
  const roles = value as Record<string, unknown>;
  for (const key of Object.keys(roles)) {
    if (key !== 'shutdown' && key !== 'restart')
      invalid(`signals has an unknown key '${key}' (the keys are shutdown and restart)`);
  }
  const shutdown = checkSignalList(roles.shutdown, 'shutdown');
  const restart = checkSignalList(roles.restart, 'restart');
  const both = shutdown.find((signal) => restart.includes(signal));
  if (both) {
    const byDefault =
      roles.restart === undefined ? ' (restart by default)' : roles.shutdown === undefined ? ' (shutdown by default)' : '';
    invalid(
      `signals has '${both}' for both shutdown and restart${byDefault}, got ${describe(value)}; ` +
        'a signal can start one of them only',
    );
  }
  return { shutdown, restart };
}

function checkSignalList(value: unknown, role: keyof ResolvedSignals): NodeJS.Signals[] {
  if (value === undefined) return [...DEFAULT_SIGNALS[role]];
  if (value === false) return [];
  const names: unknown[] = Array.isArray(value) ? value : [value];
  if (!names.every((name) => typeof name === 'string')) {
    return fail(`signals.${role}`, "a signal's name (such as 'SIGUSR2'), an array of them, or false", value);
  }
  for (const name of names as string[]) {
    const problem = signalProblem(name);
    if (problem) invalid(`signals.${role} has '${name}', but ${problem}`);
  }
  return [...new Set(names as NodeJS.Signals[])];
}

function checkPolicy(value: unknown): SchedulingPolicy {
  return value === 'rr' || value === 'none' ? value : fail('schedulingPolicy', "'rr' or 'none'", value);
}

function checkReadyOn(value: unknown): 'listening' | 'online' {
  return value === 'listening' || value === 'online' ? value : fail('readyOn', "'listening' or 'online'", value);
}

function checkEnv(value: unknown): Readonly<Record<string, string>> {
  const valid = typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string');
  return valid ? { ...(value as Record<string, string>) } : fail('env', 'an object of strings', value);
}

function checkRpc(value: unknown): DrainableRpc {
  const valid = typeof value === 'object' && value !== null && typeof (value as DrainableRpc).close === 'function';
  return valid ? (value as DrainableRpc) : fail('rpc', 'an object with a close() method (the rpc object)', value);
}

function checkLogger(value: unknown): ClusterLogger {
  const logger = value as ClusterLogger;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    typeof logger.info === 'function' &&
    typeof logger.warn === 'function' &&
    typeof logger.error === 'function';
  return valid ? logger : fail('logger', 'an object with info, warn and error methods, or false', value);
}
