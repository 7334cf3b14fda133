/**
 * cluster-rpc through its public API only, as an application would use it:
 * routers whose procedures validate input and output with zod, events with
 * zod payloads, default options. A new rpc object is created for each phase
 * and closed after it (one may be open per process at a time). Over Node's
 * IPC channel (`cluster-rpc`), or over a Unix socket with `socketTransport()`
 * (`cluster-rpc/socket`).
 *
 * @module
 */
import type { Worker } from 'node:cluster';
import { type CallAllResult, createClusterRpc, defineEvents, defineRouter, procedure } from '../../../src/index.js';
import { socketTransport } from '../../../src/socket.js';
import {
  ackSchema,
  fanoutRecordsSchema,
  fanoutTinySchema,
  type PayloadKind,
  payloadOf,
  type RecordsPayload,
  recordsSchema,
  type TinyPayload,
  tinySchema,
} from '../payloads.js';
import { GatherError, type Operation, type PrimaryContender, type WorkerContender } from './types.js';

/** The echo procedures both sides serve (the NATS cell's members too). */
export function echoRouter() {
  return defineRouter({
    echo: {
      tiny: procedure
        .input(tinySchema)
        .output(tinySchema)
        .handler(({ input }) => input),
      records: procedure
        .input(recordsSchema)
        .output(recordsSchema)
        .handler(({ input }) => input),
    },
  });
}

const events = defineEvents({ fanoutTiny: fanoutTinySchema, fanoutRecords: fanoutRecordsSchema, ack: ackSchema });

/** How a contender opens cluster-rpc: `metrics` for `cluster-rpc+metrics`, `socket` for `cluster-rpc/socket`. */
interface OpenOptions {
  readonly metrics?: boolean;
  readonly socket?: boolean;
}

function open(options: OpenOptions = {}) {
  return createClusterRpc({
    primary: echoRouter(),
    worker: echoRouter(),
    events,
    metrics: options.metrics ?? false,
    ...(options.socket ? { transport: socketTransport() } : {}),
  });
}

type BenchRpc = ReturnType<typeof open>;

function valuesOrThrow<T>(results: ReadonlyArray<CallAllResult<T>>): T[] {
  const values: T[] = [];
  for (const result of results) {
    if (result.status === 'rejected') throw new GatherError(`callAll: worker ${result.workerId}: ${result.error.message}`);
    values.push(result.value);
  }
  return values;
}

/** Opens the cluster-rpc contender in the primary. Every live worker takes part. */
export function openClusterRpcPrimary(options: OpenOptions = {}): PrimaryContender {
  const rpc: BenchRpc = open(options);
  let nextSeq = 0;
  const acks = new Map<number, { remaining: number; resolve: () => void }>();
  rpc.primary.on('ack', ({ seq }) => {
    const waiter = acks.get(seq);
    if (waiter && --waiter.remaining === 0) {
      acks.delete(seq);
      waiter.resolve();
    }
  });

  return {
    caller(worker: Worker, kind): Operation {
      if (kind === 'tiny') {
        const payload = payloadOf(kind) as TinyPayload;
        return () => rpc.primary.call(worker, 'echo.tiny', payload);
      }
      const payload = payloadOf(kind) as RecordsPayload;
      return () => rpc.primary.call(worker, 'echo.records', payload);
    },
    callAllCaller(_workers, kind): Operation {
      if (kind === 'tiny') {
        const payload = payloadOf(kind) as TinyPayload;
        return async () => valuesOrThrow(await rpc.primary.callAll('echo.tiny', payload));
      }
      const payload = payloadOf(kind) as RecordsPayload;
      return async () => valuesOrThrow(await rpc.primary.callAll('echo.records', payload));
    },
    broadcaster(targets, kind: PayloadKind): Operation {
      const data = payloadOf(kind);
      // Plain promises rather than an async function: the harness should add no more hops than raw's does.
      return () => {
        const seq = ++nextSeq;
        const acknowledged = new Promise<void>((resolve) => acks.set(seq, { remaining: targets.length, resolve }));
        const delivered =
          kind === 'tiny'
            ? rpc.primary.broadcast('fanoutTiny', { seq, data: data as TinyPayload })
            : rpc.primary.broadcast('fanoutRecords', { seq, data: data as RecordsPayload });
        return delivered.then((count) => {
          if (count !== targets.length) throw new GatherError(`broadcast reached ${count} of ${targets.length} workers`);
          return acknowledged;
        });
      };
    },
    pendingCount: () => rpc.pendingCount() + acks.size,
    close: () => rpc.close(),
  };
}

/** Opens the cluster-rpc contender in a worker. */
export function openClusterRpcWorker(options: OpenOptions = {}): WorkerContender {
  const rpc: BenchRpc = open(options);
  const acknowledge = ({ seq }: { seq: number }): void => {
    rpc.worker.emit('ack', { seq }).catch(() => undefined);
  };
  rpc.worker.on('fanoutTiny', acknowledge);
  rpc.worker.on('fanoutRecords', acknowledge);
  return {
    caller(kind): Operation {
      if (kind === 'tiny') {
        const payload = payloadOf(kind) as TinyPayload;
        return () => rpc.worker.call('echo.tiny', payload);
      }
      const payload = payloadOf(kind) as RecordsPayload;
      return () => rpc.worker.call('echo.records', payload);
    },
    pendingCount: () => rpc.pendingCount(),
    close: () => rpc.close(),
  };
}
