/**
 * The worker's half of a graceful stop: on `SIGTERM` or `SIGINT`, stop accepting, finish, close the rpc object, exit.
 * Any process that serves HTTP with an rpc object may use it, PM2's instances included. @module
 */
import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type Server, type Socket } from 'node:net';
import { isPm2ClusterInstance } from '../transports/cluster-ipc.js';
import { inheritedGraceMs } from './environment.js';
import { type ClusterLogger, DEFAULT_SHUTDOWN_GRACE_MS, type DrainableRpc } from './options.js';

/**
 * Options of {@link serveWorker}.
 * @example
 * ```ts
 * import http from 'node:http';
 * import type { ServeWorkerOptions } from 'cluster-rpc/cluster';
 * const options: ServeWorkerOptions = { server: http.createServer().listen(8000), graceMs: 5000 };
 * ```
 * @group Cluster manager
 */
export interface ServeWorkerOptions {
  /** The server or servers this worker listens with (`http`, `https` or `net`). */
  readonly server: Server | readonly Server[];
  /** The worker's rpc object: its calls under way count as work in flight, and it is closed last. */
  readonly rpc?: DrainableRpc;
  /** Milliseconds the drain may take before connections are cut. Default: the manager's `shutdownGraceMs`, else 10 000. */
  readonly graceMs?: number;
  /** The signals that start the drain, or `false` for none (call `drain()` yourself). Default: `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly NodeJS.Signals[] | false;
  /** Runs after the drain, before the exit: close database pools and the like. What it throws is logged. */
  readonly onDrained?: (result: DrainResult) => unknown;
  /** End the process after the drain: code 0 if it drained, 1 if not. Default: `true`. */
  readonly exitProcess?: boolean;
  /** Where to log the drain's outcome; `false` for nothing. Default: `console`. */
  readonly logger?: ClusterLogger | false;
}

/**
 * What a drain achieved.
 * @example
 * ```ts
 * import type { DrainResult } from 'cluster-rpc/cluster';
 * const report = (result: DrainResult) => result.drained || console.error(`cut ${result.abandonedRequests} requests`);
 * ```
 * @group Cluster manager
 */
export interface DrainResult {
  /** `true` when every request and call under way finished within the grace period. */
  readonly drained: boolean;
  /** Requests still running at the end of the grace period; their connections were cut. */
  readonly abandonedRequests: number;
  /** Rpc calls still under way at the end of the grace period, settled with `SHUTTING_DOWN`; always 0 for a primary. */
  readonly abandonedCalls: number;
  /** What started the drain: the signal's name, or `drain()`'s argument. */
  readonly reason: string;
  /** Milliseconds the drain took. */
  readonly durationMs: number;
}

/**
 * A worker's graceful-stop handle: {@link serveWorker}'s result.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { serveWorker } from 'cluster-rpc/cluster';
 * import { rpc } from './rpc.js';
 * const served = serveWorker({ server: http.createServer().listen(8000), rpc, exitProcess: false });
 * process.on('message', (message) => message === 'drain' && void served.drain('asked by the primary'));
 * ```
 * @group Cluster manager
 */
export interface ServedWorker {
  /** `true` once the drain has begun. */
  readonly draining: boolean;
  /** HTTP requests being answered now. */
  inFlight(): number;
  /** Drains now, as a signal would, `reason` reported as the cause. Idempotent. */
  drain(reason?: string): Promise<DrainResult>;
  /** Removes the signal handlers and listeners `serveWorker` added; does not close anything. */
  dispose(): void;
}

/** How often a drain checks the work in flight. */
const DRAIN_POLL_MS = 25;

/** Idle keep-alive connections stay this long (at most half the grace): a client's next request gets `Connection: close`. */
const IDLE_LINGER_MS = 1000;

/** A drain lasts at least this (at most half the grace): under `'rr'` a late connection is rerouted only while it lives. */
const MIN_DRAIN_MS = 250;

/**
 * Makes this worker drain on `SIGTERM` or `SIGINT`: stop accepting, let the work under way finish within the
 * grace period, close the rpc object, run `onDrained`, exit (0 if all finished). Call it once its servers exist; under
 * PM2's cluster mode in every instance, the rpc primary included ([design notes](../../docs/socket.md#pm2-reload-standby-and-stepping-down)).
 * @throws `TypeError` for a bad option.
 * @example
 * ```ts
 * import http from 'node:http';
 * import { serveWorker } from 'cluster-rpc/cluster';
 * import { rpc } from './rpc.js';
 * serveWorker({ server: http.createServer((req, res) => res.end('ok')).listen(8000), rpc });
 * ```
 * @group Cluster manager
 */
export function serveWorker(options: ServeWorkerOptions): ServedWorker {
  const settings = checkOptions(options);
  const { servers, rpc, graceMs, logger } = settings;
  const responses = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let draining: Promise<DrainResult> | undefined;

  const onRequest = (_request: IncomingMessage, response: ServerResponse): void => {
    responses.add(response);
    if (draining) askToClose(response);
    response.once('close', () => responses.delete(response));
  };
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  for (const server of servers) {
    server.on('request', onRequest);
    server.on('connection', onConnection);
  }
  const onSignal = (signal: NodeJS.Signals): void => void drain(signal);
  for (const signal of settings.signals) process.on(signal, onSignal);

  const dispose = (): void => {
    for (const signal of settings.signals) process.off(signal, onSignal);
    for (const server of servers) {
      server.off('request', onRequest);
      server.off('connection', onConnection);
    }
  };

  const drainOnce = async (reason: string): Promise<DrainResult> => {
    const startedAt = Date.now();
    const deadline = startedAt + graceMs;
    const lingerUntil = startedAt + Math.min(IDLE_LINGER_MS, graceMs / 2);
    const stayUntil = startedAt + Math.min(MIN_DRAIN_MS, graceMs / 2);
    // Stop listening, but leave the connections be: http.Server.close() would also close the idle ones at once.
    for (const server of servers) stopListening(server);
    for (const response of responses) askToClose(response);
    const callsUnderWay = (): number => (rpc?.side === 'primary' ? 0 : (rpc?.pendingCount?.() ?? 0));
    const busy = (): boolean => {
      if (Date.now() >= lingerUntil) for (const server of servers) closeIdleConnections(server);
      return responses.size > 0 || sockets.size > 0 || callsUnderWay() > 0;
    };
    while ((busy() || Date.now() < stayUntil) && Date.now() < deadline)
      await sleep(Math.min(DRAIN_POLL_MS, deadline - Date.now()));
    const abandonedRequests = responses.size;
    const abandonedCalls = callsUnderWay();
    for (const socket of sockets) socket.destroy();
    try {
      await rpc?.close({ grace: Math.max(0, deadline - Date.now()) });
    } catch (error) {
      logger.error(`[cluster] ${describeSelf()}: closing the rpc object failed: ${String(error)}`);
    }
    const result: DrainResult = {
      drained: abandonedRequests === 0 && abandonedCalls === 0,
      abandonedRequests,
      abandonedCalls,
      reason,
      durationMs: Date.now() - startedAt,
    };
    if (result.drained) logger.info(`[cluster] ${describeSelf()} drained in ${result.durationMs} ms (${reason})`);
    else
      logger.warn(
        `[cluster] ${describeSelf()}: grace period of ${graceMs} ms over (${reason}); ` +
          `cut ${abandonedRequests} request(s), ${abandonedCalls} rpc call(s) settled with SHUTTING_DOWN`,
      );
    try {
      await settings.onDrained?.(result);
    } catch (error) {
      logger.error(`[cluster] ${describeSelf()}: onDrained threw: ${String(error)}`);
    }
    if (settings.exitProcess) process.exit(result.drained ? 0 : 1);
    return result;
  };
  const drain = (reason = 'drain()'): Promise<DrainResult> => {
    draining ??= drainOnce(reason);
    return draining;
  };

  return {
    get draining() {
      return draining !== undefined;
    },
    inFlight: () => responses.size,
    drain,
    dispose,
  };
}

interface ServeWorkerSettings {
  readonly servers: readonly Server[];
  readonly rpc: DrainableRpc | undefined;
  readonly graceMs: number;
  readonly signals: readonly NodeJS.Signals[];
  readonly onDrained: ServeWorkerOptions['onDrained'];
  readonly exitProcess: boolean;
  readonly logger: ClusterLogger;
}

function checkOptions(options: ServeWorkerOptions): ServeWorkerSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('serveWorker expects an options object');
  const servers: readonly unknown[] = Array.isArray(options.server) ? options.server : [options.server];
  if (servers.length === 0 || !servers.every(isServer)) {
    throw new TypeError(
      `serveWorker: server must be a server (http, https or net) or an array of them, got ${String(options.server)}`,
    );
  }
  const graceMs = options.graceMs ?? inheritedGraceMs() ?? DEFAULT_SHUTDOWN_GRACE_MS;
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new TypeError(`serveWorker: graceMs must be a finite number of milliseconds (0 or more), got ${String(graceMs)}`);
  }
  if (options.rpc !== undefined && typeof options.rpc?.close !== 'function') {
    throw new TypeError('serveWorker: rpc must be the rpc object (with a close() method)');
  }
  if (options.onDrained !== undefined && typeof options.onDrained !== 'function') {
    throw new TypeError(`serveWorker: onDrained must be a function, got ${String(options.onDrained)}`);
  }
  const signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT']);
  return {
    servers: servers as readonly Server[],
    rpc: options.rpc,
    graceMs,
    signals: [...signals],
    onDrained: options.onDrained,
    exitProcess: options.exitProcess ?? true,
    logger: options.logger === false ? { info() {}, warn() {}, error() {} } : (options.logger ?? console),
  };
}

function isServer(value: unknown): value is Server {
  return typeof value === 'object' && value !== null && typeof (value as Server).close === 'function' && 'listen' in value;
}

/** A response not yet started tells the client to close the connection after it. */
function askToClose(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

/**
 * Closes the listening socket only: `net.Server`'s own close, which HTTP servers extend. A server whose `listen()`
 * has not completed (a worker stopped while starting) closes once it listens, rather than take connections.
 */
function stopListening(server: Server): void {
  if (server.listening) NetServer.prototype.close.call(server);
  else server.once('listening', () => NetServer.prototype.close.call(server));
}

/** HTTP servers (Node >= 18.2) can close their keep-alive connections that wait between requests. */
function closeIdleConnections(server: Server): void {
  const http = server as Server & { closeIdleConnections?: () => void };
  http.closeIdleConnections?.();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function describeSelf(): string {
  // Under PM2's cluster mode cluster.worker.id is PM2's count of forks: the instance number is what its user knows.
  if (isPm2ClusterInstance()) return `PM2 instance ${process.env.NODE_APP_INSTANCE ?? '?'} (pid ${process.pid})`;
  return cluster.isWorker ? `worker ${cluster.worker?.id} (pid ${process.pid})` : `process ${process.pid}`;
}
