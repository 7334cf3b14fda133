/**
 * birpc 4 over the same channel, set up as its README suggests for Node IPC:
 * `post` is `process.send` / `worker.send`, `on` is the `'message'` listener,
 * and the default serialisation (the object as it is, which Node then
 * JSON-encodes). One birpc instance per worker in the primary. Broadcasts are
 * birpc events (no answer), acknowledged by an event back.
 *
 * @module
 */
import type { Worker } from 'node:cluster';
import { type BirpcReturn, createBirpc } from 'birpc';
import { type Payload, type PayloadKind, payloadOf } from '../payloads.js';
import type { Operation, PrimaryContender, WorkerContender } from './types.js';

/** What the primary serves to workers. */
interface PrimaryFunctions {
  echo(payload: Payload): Payload;
  ack(seq: number): void;
}

/** What every worker serves to the primary. */
interface WorkerFunctions {
  echo(payload: Payload): Payload;
  fanout(seq: number, payload: Payload): void;
}

type ToWorker = BirpcReturn<WorkerFunctions, PrimaryFunctions>;
type ToPrimary = BirpcReturn<PrimaryFunctions, WorkerFunctions>;

/** Opens the birpc contender in the primary, on `workers`. */
export function openBirpcPrimary(workers: readonly Worker[]): PrimaryContender {
  let nextSeq = 0;
  const acks = new Map<number, { remaining: number; resolve: () => void }>();
  const functions: PrimaryFunctions = {
    echo: (payload) => payload,
    ack(seq) {
      const waiter = acks.get(seq);
      if (waiter && --waiter.remaining === 0) {
        acks.delete(seq);
        waiter.resolve();
      }
    },
  };
  const clients = new Map<Worker, ToWorker>();
  for (const worker of workers) {
    clients.set(
      worker,
      createBirpc<WorkerFunctions, PrimaryFunctions>(functions, {
        post: (data) => worker.send(data),
        on: (listener) => void worker.on('message', listener),
        off: (listener) => void worker.off('message', listener),
      }),
    );
  }
  const clientOf = (worker: Worker): ToWorker => {
    const client = clients.get(worker);
    if (!client) throw new Error(`birpc contender: worker ${worker.id} was not open`);
    return client;
  };

  return {
    caller(worker, kind): Operation {
      const client = clientOf(worker);
      const payload = payloadOf(kind);
      return () => client.echo(payload);
    },
    callAllCaller(targets, kind): Operation {
      const list = targets.map(clientOf);
      const payload = payloadOf(kind);
      return () => Promise.all(list.map((client) => client.echo(payload)));
    },
    broadcaster(targets, kind: PayloadKind): Operation {
      const list = targets.map(clientOf);
      const payload = payloadOf(kind);
      return () =>
        new Promise<void>((resolve, reject) => {
          const seq = ++nextSeq;
          acks.set(seq, { remaining: list.length, resolve });
          for (const client of list) client.fanout.asEvent(seq, payload).catch(reject);
        });
    },
    pendingCount: () => acks.size,
    async close() {
      for (const client of clients.values()) client.$close();
    },
  };
}

/** Opens the birpc contender in a worker. */
export function openBirpcWorker(): WorkerContender {
  const functions: WorkerFunctions = {
    echo: (payload) => payload,
    fanout(seq) {
      void toPrimary.ack.asEvent(seq);
    },
  };
  const toPrimary: ToPrimary = createBirpc<PrimaryFunctions, WorkerFunctions>(functions, {
    post: (data) => process.send?.(data),
    on: (listener) => void process.on('message', listener),
    off: (listener) => void process.off('message', listener),
  });
  return {
    caller(kind): Operation {
      const payload = payloadOf(kind);
      return () => toPrimary.echo(payload);
    },
    // birpc keeps its table of calls private; the primary side's acks are what can leak here.
    pendingCount: () => 0,
    async close() {
      toPrimary.$close();
    },
  };
}
