/**
 * `birpc` and `birpc+sj+zod` (bench/README.md): birpc 4 over the same channel as its README suggests for Node IPC, one instance
 * per worker in the primary; broadcasts are birpc events acknowledged by an event back. A zod check that fails throws, and birpc
 * sends the error back.
 */
import type { Worker } from 'node:cluster';
import { type BirpcOptions, type BirpcReturn, createBirpc } from 'birpc';
import SuperJSON from 'superjson';
import {
  ackSchema,
  fanoutRecordsSchema,
  fanoutTinySchema,
  type Payload,
  type PayloadKind,
  payloadOf,
  type RecordsPayload,
  recordsSchema,
  type TinyPayload,
  tinySchema,
} from '../payloads.js';
import type { Operation, PrimaryContender, WorkerContender } from './types.js';

/** What both sides serve: an echo per payload shape. */
interface EchoFunctions {
  echoTiny(payload: TinyPayload): TinyPayload;
  echoRecords(payload: RecordsPayload): RecordsPayload;
}

interface PrimaryFunctions extends EchoFunctions {
  ack(seq: number): void;
}

/** What every worker serves to the primary. */
interface WorkerFunctions extends EchoFunctions {
  fanout(seq: number, payload: Payload): void;
}

type ToWorker = BirpcReturn<WorkerFunctions, PrimaryFunctions>;
type ToPrimary = BirpcReturn<PrimaryFunctions, WorkerFunctions>;

/** The echoes, unchecked or checked as cluster-rpc checks a procedure with `.input(schema).output(schema)`. */
function echoes(validated: boolean): EchoFunctions {
  if (!validated) return { echoTiny: (payload) => payload, echoRecords: (payload) => payload };
  return {
    echoTiny: (payload) => tinySchema.parse(tinySchema.parse(payload)),
    echoRecords: (payload) => recordsSchema.parse(recordsSchema.parse(payload)),
  };
}

/** What `deserialize` returns for another contender's or the harness's message: birpc ignores it. */
const FOREIGN = Object.freeze({});

/**
 * superjson both ways: `{ json, meta }` objects, which Node's channel then JSON-encodes. The channel carries other messages too
 * (the harness's), which superjson must not be given: as any user sharing the channel would, the deserializer passes over what is
 * not superjson's.
 */
const SUPERJSON: Pick<BirpcOptions<object>, 'serialize' | 'deserialize'> = {
  serialize: (data: unknown) => SuperJSON.serialize(data),
  deserialize: (data: unknown) =>
    typeof data === 'object' && data !== null && 'json' in data
      ? SuperJSON.deserialize(data as Parameters<typeof SuperJSON.deserialize>[0])
      : FOREIGN,
};

function fanoutValid(seq: number, data: Payload): boolean {
  return 'items' in data
    ? fanoutRecordsSchema.safeParse({ seq, data }).success
    : fanoutTinySchema.safeParse({ seq, data }).success;
}

/** Opens `birpc` (or `birpc+sj+zod` with `validated`) in the primary, on `workers`. */
export function openBirpcPrimary(workers: readonly Worker[], validated = false): PrimaryContender {
  let nextSeq = 0;
  const acks = new Map<number, { remaining: number; resolve: () => void }>();
  const functions: PrimaryFunctions = {
    ...echoes(validated),
    ack(seq) {
      if (validated) ackSchema.parse({ seq });
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
        ...(validated ? SUPERJSON : {}),
      }),
    );
  }
  const clientOf = (worker: Worker): ToWorker => {
    const client = clients.get(worker);
    if (!client) throw new Error(`birpc contender: worker ${worker.id} was not open`);
    return client;
  };
  const echo = (client: ToWorker, kind: PayloadKind): (() => Promise<unknown>) => {
    const payload = payloadOf(kind);
    return kind === 'tiny' ? () => client.echoTiny(payload as TinyPayload) : () => client.echoRecords(payload as RecordsPayload);
  };

  return {
    caller(worker, kind): Operation {
      return echo(clientOf(worker), kind);
    },
    callAllCaller(targets, kind): Operation {
      const list = targets.map((worker) => echo(clientOf(worker), kind));
      return () => Promise.all(list.map((call) => call()));
    },
    broadcaster(targets, kind: PayloadKind): Operation {
      const list = targets.map(clientOf);
      const payload = payloadOf(kind);
      return () =>
        new Promise<void>((resolve, reject) => {
          const seq = ++nextSeq;
          // Checked once, like cluster-rpc's broadcast, however many workers it goes to.
          if (validated && !fanoutValid(seq, payload))
            return reject(new Error('birpc+sj+zod: the fan-out event failed its schema'));
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

/** Opens `birpc` (or `birpc+sj+zod` with `validated`) in a worker. */
export function openBirpcWorker(validated = false): WorkerContender {
  const functions: WorkerFunctions = {
    ...echoes(validated),
    fanout(seq, payload) {
      if (validated) {
        if (!fanoutValid(seq, payload)) return; // dropped, as cluster-rpc drops an invalid event
        ackSchema.parse({ seq });
      }
      void toPrimary.ack.asEvent(seq);
    },
  };
  const toPrimary: ToPrimary = createBirpc<PrimaryFunctions, WorkerFunctions>(functions, {
    post: (data) => process.send?.(data),
    on: (listener) => void process.on('message', listener),
    off: (listener) => void process.off('message', listener),
    ...(validated ? SUPERJSON : {}),
  });
  return {
    caller(kind): Operation {
      const payload = payloadOf(kind);
      return kind === 'tiny'
        ? () => toPrimary.echoTiny(payload as TinyPayload)
        : () => toPrimary.echoRecords(payload as RecordsPayload);
    },
    // birpc keeps its table of calls private; the primary side's acks are what can leak here.
    pendingCount: () => 0,
    async close() {
      toPrimary.$close();
    },
  };
}
