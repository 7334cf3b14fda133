/**
 * Under node:cluster: the primary listens in a fresh private directory and tells each worker, over the cluster's IPC
 * channel, where the socket is and a secret of its own. A worker asks once it listens (Node drops what reaches it before);
 * the primary also offers the path to every worker it knows once it listens. Frames never ride the IPC channel.
 *
 * | message on the IPC channel                 | from → to        |
 * | ------------------------------------------ | ---------------- |
 * | `{ $crpcSocket: 1, ask: true }`            | worker → primary |
 * | `{ $crpcSocket: 1, path, secret }`         | primary → worker |
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { debug } from '../../wire/debug.js';
import { messageOf } from '../../wire/errors.js';
import type { TransportHandlers, TransportPort } from '../transport.js';
import { SocketConnector } from './connector.js';
import { newSecret, sameSecret } from './handshake.js';
import { SocketListener, type WorkerPeer } from './listener.js';
import { MAX_SOCKET_PATH_BYTES } from './options.js';

const MARKER = '$crpcSocket';
const ASK = Object.freeze({ [MARKER]: 1, ask: true });

interface Offer {
  readonly path: string;
  readonly secret: string;
}

function isAsk(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Record<string, unknown>)[MARKER] === 1 &&
    (message as Record<string, unknown>).ask === true
  );
}

function parseOffer(message: unknown): Offer | undefined {
  if (typeof message !== 'object' || message === null || (message as Record<string, unknown>)[MARKER] !== 1) return undefined;
  const { path, secret } = message as Record<string, unknown>;
  return typeof path === 'string' && typeof secret === 'string' ? { path, secret } : undefined;
}

/** Where the primary's socket goes: a directory only this user can enter (`mkdtemp` makes it 0700), or a named pipe. */
function privateSocket(): { readonly path: string; readonly directory: string | undefined } {
  if (process.platform === 'win32') {
    return { path: `\\\\?\\pipe\\crpc-${process.pid}-${randomBytes(12).toString('hex')}`, directory: undefined };
  }
  const make = (base: string): { path: string; directory: string } => {
    const directory = mkdtempSync(join(base, 'crpc-'));
    return { path: join(directory, 'rpc.sock'), directory };
  };
  const made = make(tmpdir());
  if (Buffer.byteLength(made.path) <= MAX_SOCKET_PATH_BYTES) return made;
  // A long TMPDIR would make a path the kernel refuses.
  rmSync(made.directory, { recursive: true, force: true });
  return make('/tmp');
}

function infoOf(worker: Worker, host: string): WorkerPeer {
  return Object.freeze({ side: 'worker', workerId: worker.id, pid: worker.process.pid ?? 0, host });
}

/** Sends on a worker's IPC channel without ever throwing, nor crashing on a channel that closed meanwhile (nodejs/node#32106). */
function sendTo(send: (message: object, callback: (error: Error | null) => void) => boolean, message: object): void {
  try {
    send(message, (error) => {
      if (error) debug(() => `a rendezvous message was not sent: ${error.message}`);
    });
  } catch (error) {
    debug(() => `a rendezvous message was not sent: ${messageOf(error)}`);
  }
}

export function openClusterPrimary(
  handlers: TransportHandlers,
  settings: { readonly maxFrameBytes: number; readonly onError: (error: Error) => void },
): TransportPort {
  const host = hostname();
  const listener = new SocketListener(handlers, {
    maxFrameBytes: settings.maxFrameBytes,
    keepAlive: false,
    onError: settings.onError,
  });
  /** Secrets offered and not yet used, by worker id: each admits one connection. */
  const secrets = new Map<number, string>();
  let listening = false;
  let socket: { readonly path: string; readonly directory: string | undefined };
  try {
    socket = privateSocket();
  } catch (error) {
    socket = { path: '', directory: undefined };
    queueMicrotask(() => {
      const why = `Cannot make a private directory for the socket: ${messageOf(error)}`;
      handlers.failed(why);
      settings.onError(new Error(why));
    });
  }

  listener.admitWith((join) => {
    const expected = secrets.get(join.id);
    const worker = cluster.workers?.[join.id];
    if (expected === undefined || !worker || !sameSecret(join.secret, expected))
      return { refused: 'no such worker, or not its secret' };
    secrets.delete(join.id);
    return infoOf(worker, host);
  });

  const reachable = (worker: Worker): boolean => !worker.isDead() && worker.isConnected();
  const offer = (worker: Worker): void => {
    if (!listening || !reachable(worker)) return;
    let secret = secrets.get(worker.id);
    if (secret === undefined) {
      secret = newSecret();
      secrets.set(worker.id, secret);
    }
    sendTo((message, callback) => worker.send(message, callback), { [MARKER]: 1, path: socket.path, secret });
  };
  /** Workers that have been peers: one whose connection ended is a peer again only once it asks. */
  const known = new Set<number>();
  const expect = (worker: Worker, announce: boolean): void => {
    if (!reachable(worker)) return;
    known.add(worker.id);
    listener.expect(infoOf(worker, host), announce);
  };
  /** Node emits 'fork' a tick after cluster.fork() returns: a worker is a peer from the start. */
  const catchUp = (worker: Worker | undefined, announce: boolean): void => {
    if (worker && !known.has(worker.id)) expect(worker, announce);
  };
  const gone = (worker: Worker, why: string): void => {
    secrets.delete(worker.id);
    known.add(worker.id);
    listener.remove(worker.id, why);
  };

  const onFork = (worker: Worker): void => catchUp(worker, true);
  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isAsk(message)) return;
    // A worker whose connection ended (its rpc object was made anew) is a peer again.
    if (!listener.has(worker.id)) expect(worker, true);
    offer(worker);
  };
  const onDisconnect = (worker: Worker): void => gone(worker, 'its IPC channel closed');
  const onExit = (worker: Worker, code: number | null, signal: string | null): void =>
    gone(worker, signal ? `it was killed by ${signal}` : `it exited with code ${code ?? 'unknown'}`);
  const removeDirectory = (): void => {
    if (socket.directory) rmSync(socket.directory, { recursive: true, force: true });
  };
  cluster.on('fork', onFork);
  cluster.on('message', onMessage);
  cluster.on('disconnect', onDisconnect);
  cluster.on('exit', onExit);
  // A primary that exits without closing its rpc object leaves no directory behind.
  process.on('exit', removeDirectory);

  // The engine greets what peers() lists once open() has returned.
  for (const worker of Object.values(cluster.workers ?? {})) catchUp(worker, false);
  if (socket.path !== '') {
    void listener.listen(socket.path, { replaceStale: false, standby: false }).then(() => {
      listening = true;
      for (const worker of Object.values(cluster.workers ?? {})) if (worker && listener.has(worker.id)) offer(worker);
    });
  }

  const port = listener.port(() => {
    listening = false;
    cluster.off('fork', onFork);
    cluster.off('message', onMessage);
    cluster.off('disconnect', onDisconnect);
    cluster.off('exit', onExit);
    process.off('exit', removeDirectory);
    removeDirectory();
  });
  return {
    ...port,
    peers: () => {
      // The engine greets what peers() lists once open() has returned.
      for (const worker of Object.values(cluster.workers ?? {})) catchUp(worker, false);
      return port.peers();
    },
    peer: (workerId) => {
      catchUp(cluster.workers?.[workerId], false);
      return port.peer(workerId);
    },
  };
}

/** After a failed attempt, a worker asks again after this long, doubling up to {@link MAX_ASK_DELAY_MS}. */
const MIN_ASK_DELAY_MS = 50;
const MAX_ASK_DELAY_MS = 2000;

export function openClusterWorker(handlers: TransportHandlers, settings: { readonly maxFrameBytes: number }): TransportPort {
  const workerId = cluster.worker?.id ?? 0;
  let channelOpen = process.connected === true;
  let closed = false;
  const connector = new SocketConnector(
    handlers,
    // While the channel is open the primary is alive, and its rpc object may (come back and) offer a socket.
    { maxFrameBytes: settings.maxFrameBytes, keepAlive: false, holdCalls: () => channelOpen && !closed },
    workerId,
  );
  let askDelay = MIN_ASK_DELAY_MS;
  let askTimer: NodeJS.Timeout | undefined;
  const ask = (): void => {
    askTimer = undefined;
    if (closed || !process.connected || connector.busy) return;
    sendTo(
      (message, callback) =>
        (process.send as (message: object, callback: (error: Error | null) => void) => boolean)(message, callback),
      ASK,
    );
  };
  const askLater = (): void => {
    if (askTimer !== undefined || closed) return;
    askTimer = setTimeout(ask, askDelay);
    askTimer.unref();
    askDelay = Math.min(askDelay * 2, MAX_ASK_DELAY_MS);
  };
  connector.reportTo({
    attemptFailed: (why) => {
      debug(() => `joining the primary's socket failed: ${why}`);
      askLater();
    },
    lost: () => {
      askDelay = MIN_ASK_DELAY_MS;
      ask();
    },
  });

  const onMessage = (message: unknown): void => {
    const offer = parseOffer(message);
    if (offer && !closed) connector.connect(offer.path, offer.secret, workerId);
  };
  const onDisconnect = (): void => {
    channelOpen = false;
    const why = 'the IPC channel to the primary closed';
    connector.disconnect(why);
    handlers.failed(why);
  };
  process.on('message', onMessage);
  // First: when the primary dies, Node's cluster calls process.exit() in its own 'disconnect' listener; later ones never run.
  process.prependListener('disconnect', onDisconnect);
  ask();

  return connector.port(() => {
    closed = true;
    if (askTimer !== undefined) clearTimeout(askTimer);
    process.off('message', onMessage);
    process.off('disconnect', onDisconnect);
  });
}
