/**
 * `raw`, `raw+zod` and `raw/socket` (bench/README.md): a numeric id, a method, a `Map` of resolvers, one message per request and
 * per answer. `raw+zod` makes cluster-rpc's zod checks at the same places by hand (no superjson: the payloads are plain JSON, which
 * cluster-rpc sends as it is too). Messages: `{ $raw, q, m, p }` request, `{ $raw, s, r | e }` answer, `{ $raw, b, p }` fan-out,
 * `{ $raw, a }` acknowledgement.
 */
import cluster, { type Worker } from 'node:cluster';
import {
  ackSchema,
  fanoutRecordsSchema,
  fanoutTinySchema,
  type PayloadKind,
  payloadOf,
  recordsSchema,
  tinySchema,
} from '../payloads.js';
import { connectToHub, SocketHub, type SocketLine } from '../socket-channel.js';
import { GatherError, type Operation, type PrimaryContender, type WorkerContender } from './types.js';

interface RawMessage {
  readonly $raw: 1;
  readonly q?: number;
  readonly m?: string;
  readonly s?: number;
  readonly r?: unknown;
  readonly e?: string;
  readonly b?: number;
  readonly a?: number;
  readonly p?: unknown;
}

/** How a contender built on this file checks what crosses the channel. */
interface Checks {
  /** False for `raw`: the echo hands the payload back as it came, with no object made per call. */
  readonly validates: boolean;
  /** A served call's input, then its output: the value to go on with, or an error message. */
  serve(method: string, payload: unknown): { readonly value: unknown } | { readonly error: string };
  /** A fan-out event, before it leaves (primary) and on receipt (worker). */
  fanout(kind: 'tiny' | 'records', seq: number, payload: unknown): boolean;
  /** An acknowledgement, before it leaves (worker) and on receipt (primary). */
  ack(seq: number): boolean;
}

/** `raw`: nothing is checked; the echo hands the payload back. */
const UNCHECKED: Checks = {
  validates: false,
  serve: (_method, payload) => ({ value: payload }),
  fanout: () => true,
  ack: () => true,
};

/** `raw+zod`: cluster-rpc's checks, by hand. */
const ZOD_CHECKS: Checks = {
  validates: true,
  serve(method, payload) {
    const schema = method === 'echo.tiny' ? tinySchema : method === 'echo.records' ? recordsSchema : undefined;
    if (!schema) return { error: `no method ${method}` };
    const input = schema.safeParse(payload);
    if (!input.success) return { error: `input: ${input.error.message}` };
    // The handler echoes its input; its result is checked against the output schema.
    const output = schema.safeParse(input.data);
    return output.success ? { value: output.data } : { error: `output: ${output.error.message}` };
  },
  fanout: (kind, seq, data) => (kind === 'tiny' ? fanoutTinySchema : fanoutRecordsSchema).safeParse({ seq, data }).success,
  ack: (seq) => ackSchema.safeParse({ seq }).success,
};

function isRaw(message: unknown): message is RawMessage {
  return typeof message === 'object' && message !== null && (message as { $raw?: unknown }).$raw === 1;
}

function methodOf(kind: PayloadKind): string {
  return kind === 'tiny' ? 'echo.tiny' : 'echo.records';
}

/** Ids, resolvers and the answer path, the same on both sides. */
class RawPeer {
  #nextId = 0;
  readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly checks: Checks) {}

  request(send: (message: RawMessage) => void, method: string, payload: unknown): Promise<unknown> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      send({ $raw: 1, q: id, m: method, p: payload });
    });
  }

  /** Handles a request or an answer; returns false for anything else. */
  receive(message: RawMessage, send: (message: RawMessage) => void): boolean {
    if (message.q !== undefined) {
      if (!this.checks.validates) {
        send({ $raw: 1, s: message.q, r: message.p });
        return true;
      }
      const outcome = this.checks.serve(message.m ?? '', message.p);
      send('value' in outcome ? { $raw: 1, s: message.q, r: outcome.value } : { $raw: 1, s: message.q, e: outcome.error });
      return true;
    }
    if (message.s !== undefined) {
      const waiter = this.pending.get(message.s);
      if (waiter) {
        this.pending.delete(message.s);
        if (message.e === undefined) waiter.resolve(message.r);
        else waiter.reject(new Error(message.e));
      }
      return true;
    }
    return false;
  }
}

/** How raw messages reach the workers, in the primary: Node's IPC channel, or the hand-written socket. */
interface PrimaryChannel {
  readonly ready: Promise<void>;
  attach(worker: Worker, onMessage: (message: unknown) => void): { send(message: RawMessage): void; detach(): void };
  close(): Promise<void>;
}

/** …and the primary, in a worker. */
interface WorkerChannel {
  readonly ready: Promise<void>;
  send(message: RawMessage): void;
  attach(onMessage: (message: unknown) => void): void;
  close(): void;
}

const ipcPrimary = (): PrimaryChannel => ({
  ready: Promise.resolve(),
  attach(worker, onMessage) {
    worker.on('message', onMessage);
    return { send: (message) => void worker.send(message), detach: () => void worker.off('message', onMessage) };
  },
  close: async () => undefined,
});

const ipcWorker = (): WorkerChannel => {
  let listener: ((message: unknown) => void) | undefined;
  return {
    ready: Promise.resolve(),
    send: (message) => void process.send?.(message),
    attach(onMessage) {
      listener = onMessage;
      process.on('message', onMessage);
    },
    close() {
      if (listener) process.off('message', listener);
    },
  };
};

const socketPrimary = (): PrimaryChannel => {
  const hub = new SocketHub();
  return {
    ready: hub.ready,
    attach(worker, onMessage) {
      hub.on(worker.id, onMessage);
      return { send: hub.sender(worker.id), detach: () => undefined };
    },
    close: () => hub.close(),
  };
};

const socketWorker = (): WorkerChannel => {
  let line: SocketLine | undefined;
  let listener: ((message: unknown) => void) | undefined;
  const ready = connectToHub(cluster.worker?.id ?? 0).then((connected) => {
    line = connected;
    if (listener) line.on(listener);
  });
  return {
    ready,
    send: (message) => line?.send(message),
    attach(onMessage) {
      listener = onMessage;
      line?.on(onMessage);
    },
    close: () => line?.close(),
  };
};

/** Opens `raw` (or `raw+zod` with `validated`, or `raw/socket` with `overSocket`) in the primary, on `workers`. */
export function openRawPrimary(workers: readonly Worker[], validated = false, overSocket = false): PrimaryContender {
  const channel = overSocket ? socketPrimary() : ipcPrimary();
  const checks = validated ? ZOD_CHECKS : UNCHECKED;
  const peer = new RawPeer(checks);
  const senders = new Map<Worker, (message: RawMessage) => void>();
  const detach: Array<() => void> = [];
  let nextSeq = 0;
  const acks = new Map<number, { remaining: number; resolve: () => void }>();

  for (const worker of workers) {
    let send: (message: RawMessage) => void = () => undefined;
    const onMessage = (message: unknown): void => {
      if (!isRaw(message) || peer.receive(message, send) || message.a === undefined) return;
      if (checks.validates && !checks.ack(message.a)) return;
      const waiter = acks.get(message.a);
      if (waiter && --waiter.remaining === 0) {
        acks.delete(message.a);
        waiter.resolve();
      }
    };
    const attached = channel.attach(worker, onMessage);
    send = attached.send;
    senders.set(worker, send);
    detach.push(attached.detach);
  }
  const senderOf = (worker: Worker): ((message: RawMessage) => void) => {
    const send = senders.get(worker);
    if (!send) throw new Error(`raw contender: worker ${worker.id} was not open`);
    return send;
  };

  return {
    ready: channel.ready,
    caller(worker, kind): Operation {
      const send = senderOf(worker);
      const payload = payloadOf(kind);
      const method = methodOf(kind);
      return () => peer.request(send, method, payload);
    },
    callAllCaller(targets, kind): Operation {
      const sends = targets.map(senderOf);
      const payload = payloadOf(kind);
      const method = methodOf(kind);
      return async () => {
        const results = await Promise.all(sends.map((send) => peer.request(send, method, payload)));
        if (results.some((result) => result === undefined)) throw new GatherError('raw gather: an answer was empty');
        return results;
      };
    },
    broadcaster(targets, kind: PayloadKind): Operation {
      const sends = targets.map(senderOf);
      const payload = payloadOf(kind);
      const family = kind === 'tiny' ? 'tiny' : 'records';
      return () =>
        new Promise<void>((resolve, reject) => {
          const seq = ++nextSeq;
          // Checked once, like cluster-rpc's broadcast, however many workers it goes to.
          if (!checks.fanout(family, seq, payload))
            return reject(new GatherError('raw+zod: the fan-out event failed its schema'));
          acks.set(seq, { remaining: sends.length, resolve });
          for (const send of sends) send({ $raw: 1, b: seq, p: payload });
        });
    },
    pendingCount: () => peer.pending.size + acks.size,
    async close() {
      for (const off of detach) off();
      await channel.close();
    },
  };
}

/** Opens `raw` (or `raw+zod` with `validated`, or `raw/socket` with `overSocket`) in a worker. */
export function openRawWorker(validated = false, overSocket = false): WorkerContender {
  const channel = overSocket ? socketWorker() : ipcWorker();
  const checks = validated ? ZOD_CHECKS : UNCHECKED;
  const peer = new RawPeer(checks);
  const send = (message: RawMessage): void => channel.send(message);
  const onMessage = (message: unknown): void => {
    if (!isRaw(message) || peer.receive(message, send) || message.b === undefined) return;
    if (checks.validates) {
      // Both fan-out shapes are possible here; the payload tells which one to check.
      const family = typeof message.p === 'object' && message.p !== null && 'items' in message.p ? 'records' : 'tiny';
      if (!checks.fanout(family, message.b, message.p)) return; // dropped, as cluster-rpc drops an invalid event
      if (!checks.ack(message.b)) return;
    }
    send({ $raw: 1, a: message.b });
  };
  channel.attach(onMessage);
  return {
    ready: channel.ready,
    caller(kind): Operation {
      const payload = payloadOf(kind);
      const method = methodOf(kind);
      return () => peer.request(send, method, payload);
    },
    pendingCount: () => peer.pending.size,
    async close() {
      channel.close();
    },
  };
}
