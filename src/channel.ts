/**
 * The only file that touches Node's IPC channel and cluster events:
 * `process.send`, `worker.send`, `'message'`, `'disconnect'`, `'exit'`, `'fork'`.
 *
 * Everything above it sees a {@link Link} per peer process and a handful of
 * callbacks, and never a raw channel that could throw.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import type { Frame } from './protocol.js';

/**
 * What became of a frame handed to a {@link Link}:
 * - `sent`: Node took it;
 * - `congested`: Node took it, but its write queue is past its high-water
 *   mark (`send()` returned `false`); better wait for `done` before sending more;
 * - `closed`: the channel is closed; the frame was dropped and `done` will not run.
 */
export type SendResult = 'sent' | 'congested' | 'closed';

/** A way to send frames to one peer process. */
export interface Link {
  /** Hands `frame` to the channel; `done` runs once Node has written it (or failed to). Never throws. */
  send(frame: Frame, done: (error: Error | null) => void): SendResult;
}

/** Which side of the cluster this process is. */
export type Side = 'primary' | 'worker';

/** The side this process is on, as Node's `cluster` sees it. */
export function currentSide(): Side {
  return cluster.isPrimary ? 'primary' : 'worker';
}

/** This worker's cluster id and pid. */
export function ownWorkerIdentity(): { readonly workerId: number; readonly pid: number } {
  return { workerId: cluster.worker?.id ?? 0, pid: process.pid };
}

type Sender = (message: Frame, callback: (error: Error | null) => void) => boolean;

function safeSend(isConnected: () => boolean, send: Sender, frame: Frame, done: (error: Error | null) => void): SendResult {
  if (!isConnected()) return 'closed';
  try {
    // With a callback, Node reports a write failure to it instead of emitting
    // 'error' on the process object, which would crash a process with no
    // listener for it (nodejs/node#32106).
    return send(frame, done) ? 'sent' : 'congested';
  } catch {
    // The channel closed between the check and the send.
    return 'closed';
  }
}

/** The link from a worker to its primary. */
export function linkToPrimary(): Link {
  const isConnected = (): boolean => process.connected === true;
  const send: Sender = (message, callback) => (process.send as Sender)(message, callback);
  return { send: (frame, done) => safeSend(isConnected, send, frame, done) };
}

/** The link from the primary to one worker. */
export function linkToWorker(worker: Worker): Link {
  const isConnected = (): boolean => worker.isConnected();
  const send: Sender = (message, callback) => worker.send(message, callback);
  return { send: (frame, done) => safeSend(isConnected, send, frame, done) };
}

/** What a worker-side listener is told. */
export interface WorkerChannelHandlers {
  message(message: unknown): void;
  /** The channel to the primary closed. */
  disconnect(): void;
}

/** Listens to the primary; returns the function that stops listening. */
export function listenToPrimary(handlers: WorkerChannelHandlers): () => void {
  const onMessage = (message: unknown): void => handlers.message(message);
  const onDisconnect = (): void => handlers.disconnect();
  process.on('message', onMessage);
  // First in line: when the primary dies, Node's cluster code calls process.exit()
  // from its own 'disconnect' listener, and listeners after it never run.
  process.prependListener('disconnect', onDisconnect);
  return () => {
    process.off('message', onMessage);
    process.off('disconnect', onDisconnect);
  };
}

/** What a primary-side listener is told. */
export interface PrimaryChannelHandlers {
  /** A worker was forked (its code is not running yet). */
  fork(worker: Worker): void;
  message(worker: Worker, message: unknown): void;
  /** A worker's channel closed or it exited; may come twice for one worker. */
  gone(worker: Worker, why: string): void;
}

/** Listens to every worker, present and future; returns the function that stops listening. */
export function listenToWorkers(handlers: PrimaryChannelHandlers): () => void {
  const onFork = (worker: Worker): void => handlers.fork(worker);
  const onMessage = (worker: Worker, message: unknown): void => handlers.message(worker, message);
  const onDisconnect = (worker: Worker): void => handlers.gone(worker, 'its IPC channel closed');
  const onExit = (worker: Worker, code: number | null, signal: string | null): void =>
    handlers.gone(worker, signal ? `it was killed by ${signal}` : `it exited with code ${code ?? 'unknown'}`);
  cluster.on('fork', onFork);
  cluster.on('message', onMessage);
  cluster.on('disconnect', onDisconnect);
  cluster.on('exit', onExit);
  return () => {
    cluster.off('fork', onFork);
    cluster.off('message', onMessage);
    cluster.off('disconnect', onDisconnect);
    cluster.off('exit', onExit);
  };
}

/**
 * Workers that can still be reached: not exited and with their channel open,
 * ordered by id. A worker that closed its channel may live on for a while, but
 * nothing sent to it could arrive.
 */
export function currentWorkers(): Worker[] {
  const workers: Worker[] = [];
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker && !worker.isDead() && worker.isConnected()) workers.push(worker);
  }
  return workers.sort((a, b) => a.id - b.id);
}

/** The reachable worker with this id (see {@link currentWorkers}), if any. */
export function findWorker(id: unknown): Worker | undefined {
  if (typeof id !== 'number') return undefined;
  const worker = cluster.workers?.[id];
  return worker && !worker.isDead() && worker.isConnected() ? worker : undefined;
}

/** The pid of a worker, or 0 once it has none. */
export function pidOf(worker: Worker): number {
  return worker.process.pid ?? 0;
}
