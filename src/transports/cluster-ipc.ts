/** Node's cluster IPC as a transport: the only file that touches `process.send`, `worker.send` and cluster events. @module */
import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import type { Frame } from '../wire/protocol.js';
import {
  type PeerInfo,
  type PeerLink,
  PRIMARY_PEER,
  type SendResult,
  type Transport,
  type TransportHandlers,
  type TransportPort,
} from './transport.js';

type Sender = (message: Frame, callback: (error: Error | null) => void) => boolean;

/** Node reports a channel's end just before the exit, whose code or signal is the reason worth giving: wait this long for it. */
const EXIT_AFTER_DISCONNECT_MS = 100;

function safeSend(isConnected: () => boolean, send: Sender, frame: Frame, done: (error: Error | null) => void): SendResult {
  if (!isConnected()) return 'closed';
  try {
    // With a callback, a write failure comes to it, not as an 'error' that crashes a process (nodejs/node#32106).
    return send(frame, done) ? 'sent' : 'congested';
  } catch {
    // The channel closed between the check and the send.
    return 'closed';
  }
}

/** Set to `'1'` in every worker cluster-rpc's manager forks. @internal */
export const MANAGED_ENV = 'CLUSTER_RPC_MANAGED';

/** Whether PM2's cluster mode forked this process, as a worker of its daemon (with `pm_id`). @internal */
export function isPm2ClusterInstance(): boolean {
  return cluster.isWorker && process.env.pm_id !== undefined && process.env[MANAGED_ENV] === undefined;
}

/** The default transport of `createClusterRpc`. */
export function clusterIpcTransport(): Transport {
  // Under PM2's cluster mode the IPC channel leads to PM2's daemon, which never answers: every call would time out.
  if (isPm2ClusterInstance())
    process.emitWarning(
      `cluster-rpc: this process runs under PM2's cluster mode (pm_id ${process.env.pm_id}), where the IPC channel leads ` +
        "to PM2's daemon, not to a primary with an rpc object: give createClusterRpc transport: socketTransport({ path, role }) " +
        'from cluster-rpc/socket (see the README, "PM2 cluster mode")',
      { code: 'CLUSTER_RPC_PM2_IPC' },
    );
  return cluster.isPrimary ? { side: 'primary', open: openPrimary } : { side: 'worker', open: openWorker };
}

function openWorker(handlers: TransportHandlers): TransportPort {
  const send: Sender = (message, callback) => (process.send as Sender)(message, callback);
  const isConnected = (): boolean => process.connected === true;
  const primary: PeerLink = { info: PRIMARY_PEER, send: (frame, done) => safeSend(isConnected, send, frame, done) };
  const self: PeerInfo = Object.freeze({ side: 'worker', workerId: cluster.worker?.id ?? 0, pid: process.pid, host: hostname() });

  const onMessage = (message: unknown): void => handlers.received(primary, message);
  const onDisconnect = (): void => handlers.left(primary, 'the IPC channel to the primary closed');
  process.on('message', onMessage);
  // First in line: when the primary dies, Node's own 'disconnect' listener calls process.exit().
  process.prependListener('disconnect', onDisconnect);
  return {
    self: () => self,
    peers: () => (isConnected() ? [primary] : []),
    peer: () => undefined,
    holdCallsWithoutPrimary: false,
    close() {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
    },
  };
}

function openPrimary(handlers: TransportHandlers): TransportPort {
  const host = hostname();
  const links = new Map<Worker, PeerLink>();
  const linkOf = (worker: Worker): PeerLink => {
    let link = links.get(worker);
    if (!link) {
      const isConnected = (): boolean => worker.isConnected();
      const send: Sender = (message, callback) => worker.send(message, callback);
      link = {
        info: Object.freeze({ side: 'worker', workerId: worker.id, pid: worker.process.pid ?? 0, host }),
        send: (frame, done) => safeSend(isConnected, send, frame, done),
      };
      links.set(worker, link);
    }
    return link;
  };
  /** Workers whose channel closed, waiting for their exit to say why they are gone. */
  const exiting = new Map<Worker, NodeJS.Timeout>();
  const gone = (worker: Worker, why: string): void => {
    clearTimeout(exiting.get(worker));
    exiting.delete(worker);
    const link = links.get(worker);
    if (!link) return;
    links.delete(worker);
    handlers.left(link, why);
  };

  const onFork = (worker: Worker): void => handlers.joined(linkOf(worker));
  const onMessage = (worker: Worker, message: unknown): void => {
    const link = links.get(worker);
    if (link) handlers.received(link, message);
  };
  const onDisconnect = (worker: Worker): void => {
    if (!links.has(worker) || exiting.has(worker)) return;
    const timer = setTimeout(() => gone(worker, 'its IPC channel closed'), EXIT_AFTER_DISCONNECT_MS);
    timer.unref();
    exiting.set(worker, timer);
  };
  const onExit = (worker: Worker, code: number | null, signal: string | null): void =>
    gone(worker, signal ? `it was killed by ${signal}` : `it exited with code ${code ?? 'unknown'}`);
  cluster.on('fork', onFork);
  cluster.on('message', onMessage);
  cluster.on('disconnect', onDisconnect);
  cluster.on('exit', onExit);
  return {
    self: () => PRIMARY_PEER,
    // Node emits 'fork' a tick after cluster.fork() returns: the worker is a peer from the start.
    peers: () => reachableWorkers().map(linkOf),
    peer(workerId) {
      const worker = cluster.workers?.[workerId];
      return worker && isReachable(worker) ? linkOf(worker) : undefined;
    },
    holdCallsWithoutPrimary: false,
    close() {
      cluster.off('fork', onFork);
      cluster.off('message', onMessage);
      cluster.off('disconnect', onDisconnect);
      cluster.off('exit', onExit);
      for (const timer of exiting.values()) clearTimeout(timer);
      exiting.clear();
      links.clear();
    },
  };
}

/** A worker that closed its channel may live on for a while, but nothing sent to it could arrive. */
function isReachable(worker: Worker): boolean {
  return !worker.isDead() && worker.isConnected();
}

function reachableWorkers(): Worker[] {
  const workers: Worker[] = [];
  for (const worker of Object.values(cluster.workers ?? {})) if (worker && isReachable(worker)) workers.push(worker);
  return workers.sort((a, b) => a.id - b.id);
}
