/**
 * The floor: what a careful hand-rolled layer over `process.send` /
 * `worker.send` does, and nothing more. A request carries a numeric id, a
 * method name and the payload; the answer carries the id back and settles the
 * resolver kept in a `Map`. No timeout, no validation, no batching: one IPC
 * message per request and per answer, serialised by Node as JSON.
 *
 * Messages: `{ $raw: 1, q: id, m: method, p: payload }` (request),
 * `{ $raw: 1, s: id, r: result }` (answer), `{ $raw: 1, b: seq, p: payload }`
 * (fan-out), `{ $raw: 1, a: seq }` (acknowledgement).
 *
 * @module
 */
import type { Worker } from 'node:cluster';
import { type PayloadKind, payloadOf } from '../payloads.js';
import { GatherError, type Operation, type PrimaryContender, type WorkerContender } from './types.js';

interface RawMessage {
  readonly $raw: 1;
  readonly q?: number;
  readonly m?: string;
  readonly s?: number;
  readonly r?: unknown;
  readonly b?: number;
  readonly a?: number;
  readonly p?: unknown;
}

type Handlers = Readonly<Record<string, (payload: unknown) => unknown>>;

/** What both sides serve. */
const handlers: Handlers = { echo: (payload) => payload };

function isRaw(message: unknown): message is RawMessage {
  return typeof message === 'object' && message !== null && (message as { $raw?: unknown }).$raw === 1;
}

/** Ids, resolvers and the answer path, the same on both sides. */
class RawPeer {
  #nextId = 0;
  readonly pending = new Map<number, (result: unknown) => void>();

  request(send: (message: RawMessage) => void, payload: unknown): Promise<unknown> {
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      send({ $raw: 1, q: id, m: 'echo', p: payload });
    });
  }

  /** Handles a request or an answer; returns false for anything else. */
  receive(message: RawMessage, send: (message: RawMessage) => void): boolean {
    if (message.q !== undefined) {
      const handler = message.m === undefined ? undefined : handlers[message.m];
      if (handler) send({ $raw: 1, s: message.q, r: handler(message.p) });
      return true;
    }
    if (message.s !== undefined) {
      const resolve = this.pending.get(message.s);
      if (resolve) {
        this.pending.delete(message.s);
        resolve(message.r);
      }
      return true;
    }
    return false;
  }
}

/** Opens the raw contender in the primary, on `workers`. */
export function openRawPrimary(workers: readonly Worker[]): PrimaryContender {
  const peer = new RawPeer();
  const senders = new Map<Worker, (message: RawMessage) => void>();
  const detach: Array<() => void> = [];
  let nextSeq = 0;
  const acks = new Map<number, { remaining: number; resolve: () => void }>();

  for (const worker of workers) {
    const send = (message: RawMessage): void => void worker.send(message);
    senders.set(worker, send);
    const onMessage = (message: unknown): void => {
      if (!isRaw(message) || peer.receive(message, send) || message.a === undefined) return;
      const waiter = acks.get(message.a);
      if (waiter && --waiter.remaining === 0) {
        acks.delete(message.a);
        waiter.resolve();
      }
    };
    worker.on('message', onMessage);
    detach.push(() => worker.off('message', onMessage));
  }
  const senderOf = (worker: Worker): ((message: RawMessage) => void) => {
    const send = senders.get(worker);
    if (!send) throw new Error(`raw contender: worker ${worker.id} was not open`);
    return send;
  };

  return {
    caller(worker, kind): Operation {
      const send = senderOf(worker);
      const payload = payloadOf(kind);
      return () => peer.request(send, payload);
    },
    callAllCaller(targets, kind): Operation {
      const sends = targets.map(senderOf);
      const payload = payloadOf(kind);
      return async () => {
        const results = await Promise.all(sends.map((send) => peer.request(send, payload)));
        if (results.some((result) => result === undefined)) throw new GatherError('raw gather: an answer was empty');
        return results;
      };
    },
    broadcaster(targets, kind: PayloadKind): Operation {
      const sends = targets.map(senderOf);
      const payload = payloadOf(kind);
      return () =>
        new Promise<void>((resolve) => {
          const seq = ++nextSeq;
          acks.set(seq, { remaining: sends.length, resolve });
          for (const send of sends) send({ $raw: 1, b: seq, p: payload });
        });
    },
    pendingCount: () => peer.pending.size + acks.size,
    async close() {
      for (const off of detach) off();
    },
  };
}

/** Opens the raw contender in a worker. */
export function openRawWorker(): WorkerContender {
  const peer = new RawPeer();
  const send = (message: RawMessage): void => void process.send?.(message);
  const onMessage = (message: unknown): void => {
    if (!isRaw(message) || peer.receive(message, send) || message.b === undefined) return;
    send({ $raw: 1, a: message.b });
  };
  process.on('message', onMessage);
  return {
    caller(kind): Operation {
      const payload = payloadOf(kind);
      return () => peer.request(send, payload);
    },
    pendingCount: () => peer.pending.size,
    async close() {
      process.off('message', onMessage);
    },
  };
}
