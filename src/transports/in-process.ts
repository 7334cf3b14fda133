/** A primary and its workers in one process, for tests: frames cross as JSON copies on a later turn, as over IPC. @module */
import { hostname } from 'node:os';
import {
  type PeerInfo,
  type PeerLink,
  PRIMARY_PEER,
  type Transport,
  type TransportHandlers,
  type TransportPort,
} from './transport.js';

/** One worker and both ends of its channel. */
interface WorkerEnd {
  readonly info: PeerInfo;
  alive: boolean;
  handlers: TransportHandlers | undefined;
  readonly toWorker: PeerLink;
  readonly toPrimary: PeerLink;
}

/** The primary and workers of one test cluster. */
export class InProcessNetwork {
  readonly #host = hostname();
  readonly #workers = new Map<number, WorkerEnd>();
  #primary: TransportHandlers | undefined = undefined;

  primaryTransport(): Transport {
    return {
      side: 'primary',
      open: (handlers) => {
        this.#primary = handlers;
        return port(PRIMARY_PEER, {
          peers: () => [...this.#workers.values()].filter((end) => end.alive && end.handlers).map((end) => end.toWorker),
          peer: (workerId) => {
            const end = this.#workers.get(workerId);
            return end?.alive && end.handlers ? end.toWorker : undefined;
          },
          close: () => {
            this.#primary = undefined;
          },
        });
      },
    };
  }

  /** The transport of worker `workerId`, which joins the primary when opened. */
  workerTransport(workerId: number): Transport {
    const info: PeerInfo = Object.freeze({ side: 'worker', workerId, pid: process.pid, host: this.#host });
    const end: WorkerEnd = {
      info,
      alive: true,
      handlers: undefined,
      toWorker: {
        info,
        send: (frame, done) => {
          if (!end.alive || !end.handlers || !this.#primary) return 'closed';
          return deliver(frame, done, () => (end.alive ? end.handlers : undefined), end.toPrimary);
        },
      },
      toPrimary: {
        info: PRIMARY_PEER,
        send: (frame, done) => {
          if (!end.alive || !this.#primary) return 'closed';
          return deliver(frame, done, () => (end.alive ? this.#primary : undefined), end.toWorker);
        },
      },
    };
    this.#workers.set(workerId, end);
    return {
      side: 'worker',
      open: (handlers) => {
        end.handlers = handlers;
        this.#primary?.joined(end.toWorker);
        return port(info, {
          peers: () => (end.alive && this.#primary ? [end.toPrimary] : []),
          peer: () => undefined,
          close: () => {
            if (!end.handlers) return;
            end.handlers = undefined;
            if (end.alive) this.#primary?.left(end.toWorker, 'its rpc object closed');
          },
        });
      },
    };
  }

  /** Worker `workerId` dies: each end sees the other go, as with a killed process. */
  kill(workerId: number, why: string): boolean {
    const end = this.#workers.get(workerId);
    if (!end?.alive) return false;
    end.alive = false;
    this.#primary?.left(end.toWorker, why);
    end.handlers?.left(end.toPrimary, 'its process was killed');
    return true;
  }
}

function port(
  self: PeerInfo,
  topology: { peers(): readonly PeerLink[]; peer(workerId: number): PeerLink | undefined; close(): void },
): TransportPort {
  return { self: () => self, peers: topology.peers, peer: topology.peer, holdCallsWithoutPrimary: false, close: topology.close };
}

/** Hands a JSON copy of `frame` to whoever listens at the other end by then, as `from`. */
function deliver(
  frame: unknown,
  done: (error: Error | null) => void,
  receiver: () => TransportHandlers | undefined,
  from: PeerLink,
): 'sent' | 'closed' {
  let copy: unknown;
  try {
    // What Node's IPC does with a message: JSON out, JSON in.
    copy = JSON.parse(JSON.stringify(frame));
  } catch {
    return 'closed';
  }
  setImmediate(() => {
    done(null);
    receiver()?.received(from, copy);
  });
  return 'sent';
}
