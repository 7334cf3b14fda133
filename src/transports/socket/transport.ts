/**
 * `socketTransport`: the primary listens on a Unix domain socket (a named
 * pipe on Windows) and every worker connects to it, under node:cluster or
 * wherever the processes come from. Design: docs/socket.md.
 *
 * @module
 */
import cluster from 'node:cluster';
import { maxFrameBytes } from '../frame-limit.js';
import type { Transport, TransportHandlers, TransportLimits, TransportPort } from '../transport.js';
import { SocketConnector } from './connector.js';
import { sameSecret } from './handshake.js';
import { SocketListener } from './listener.js';
import { checkOptions, type SocketSettings, type SocketTransportOptions } from './options.js';
import { openClusterPrimary, openClusterWorker } from './rendezvous.js';

/**
 * The processes of a cluster reach each other through a Unix domain socket the primary listens on, instead of Node's
 * IPC channel: pass it as the `transport` option of `createClusterRpc`, with the same routers as ever. Frames are JSON
 * with a length prefix, one write per batch; calls cost about what they cost over Node's IPC channel.
 *
 * Under node:cluster, call it without options: the primary listens in a fresh directory only its user can enter and
 * tells each worker, over the cluster's IPC channel, where the socket is and a secret of its own; worker ids are
 * `cluster.worker.id`, and a worker's death (or its IPC channel closing) rejects its calls with `DISCONNECTED` at once.
 *
 * Elsewhere (PM2 cluster mode, systemd instances, processes started by hand), give a `path` and each process's `role`:
 * the primary listens on the path (replacing a dead primary's socket file, never a live one's: a second primary is
 * refused, and says so); workers connect, get ids from it, and reconnect by themselves (new ids) when it is not there
 * yet or comes back, calls meanwhile waiting within their timeout. A primary whose rpc object closes with a grace steps
 * down first, freeing the path for a primary in `standby`: its workers send it later calls while the old one answers.
 * @param options - None under node:cluster; otherwise `path`, `role` and an optional `token` ({@link SocketTransportOptions}).
 * @returns A transport for `createClusterRpc({ transport })`.
 * @throws `TypeError` for a `path` that is empty or too long, a `role` that is neither `primary` nor `worker` (nor
 *   given by `CLUSTER_RPC_ROLE`) with a path, or `role`, `token` or `standby` without one.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { socketTransport } from 'cluster-rpc/socket';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * // Under node:cluster: nothing to configure.
 * export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events, transport: socketTransport() });
 *
 * // Where node:cluster is not the parent (PM2 cluster mode, systemd instances): a path and a role.
 * export function underPm2() {
 *   return createClusterRpc({
 *     primary: primaryRouter,
 *     worker: workerRouter,
 *     events,
 *     transport: socketTransport({
 *       path: '/run/shop/rpc.sock',
 *       role: process.env.NODE_APP_INSTANCE === '0' ? 'primary' : 'worker',
 *       standby: true, // `pm2 reload` starts the new instance 0 while the old one still listens
 *     }),
 *   });
 * }
 * ```
 * @group Socket
 */
export function socketTransport(options?: SocketTransportOptions): Transport {
  const settings = checkOptions(options);
  const side = settings.mode === 'cluster' ? (cluster.isPrimary ? 'primary' : 'worker') : settings.role;
  return {
    side,
    open(handlers, limits) {
      if (settings.mode === 'cluster') {
        return side === 'primary'
          ? openClusterPrimary(handlers, { maxFrameBytes: maxFrameBytes(limits), onError: settings.onError })
          : openClusterWorker(handlers, { maxFrameBytes: maxFrameBytes(limits) });
      }
      return side === 'primary' ? openPathPrimary(handlers, limits, settings) : openPathWorker(handlers, limits, settings);
    },
  };
}

type PathSettings = Extract<SocketSettings, { mode: 'path' }>;

/** The primary with a path: numbers the workers as they join (positive, never reused while it lives). */
function openPathPrimary(handlers: TransportHandlers, limits: TransportLimits, settings: PathSettings): TransportPort {
  const listener = new SocketListener(handlers, {
    maxFrameBytes: maxFrameBytes(limits),
    keepAlive: true,
    onError: settings.onError,
  });
  let nextId = 1;
  listener.admitWith((join) => {
    if (settings.token !== '' && !sameSecret(join.secret, settings.token)) {
      return { refused: "its token is not the primary's (the token option, or CLUSTER_RPC_SOCKET_TOKEN)" };
    }
    return Object.freeze({ side: 'worker', workerId: nextId++, pid: join.pid, host: join.host });
  });
  void listener.listen(settings.path, { replaceStale: true, standby: settings.standby });
  // A primary that exits without closing its rpc object leaves no socket file behind.
  const removeFile = (): void => listener.removeOwnFile();
  process.on('exit', removeFile);
  return { ...listener.port(() => process.off('exit', removeFile)), stepDown: (withinMs) => listener.stepDown(withinMs) };
}

/** A worker tries again after this long, doubling up to {@link MAX_RETRY_MS}, while the primary is not there. */
const MIN_RETRY_MS = 25;
const MAX_RETRY_MS = 500;

/** A worker with a path: joins the primary, and joins again (with a new id) whenever it is not there or goes. */
function openPathWorker(handlers: TransportHandlers, limits: TransportLimits, settings: PathSettings): TransportPort {
  const connector = new SocketConnector(
    handlers,
    { maxFrameBytes: maxFrameBytes(limits), keepAlive: true, holdCalls: () => true },
    0,
  );
  let retryMs = MIN_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;
  let gaveUp = false;
  const attempt = (): void => {
    timer = undefined;
    if (!gaveUp) connector.connect(settings.path, settings.token, 0);
  };
  connector.reportTo({
    attemptFailed: (why, refused) => {
      if (refused) {
        // Its secret is wrong: trying again would not change that.
        gaveUp = true;
        handlers.failed(why);
        settings.onError(new Error(why));
        return;
      }
      if (connector.closed) return;
      // Some jitter, so workers of a restarting primary do not all knock at once.
      timer = setTimeout(attempt, retryMs * (0.75 + Math.random() / 2));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    },
    lost: () => {
      retryMs = MIN_RETRY_MS;
      attempt();
    },
  });
  attempt();
  return connector.port(() => {
    gaveUp = true;
    if (timer !== undefined) clearTimeout(timer);
  });
}
