/** cluster-rpc through its public API, as an application uses it; a new rpc object per phase, closed after it. */
import type { Worker } from 'node:cluster';
import type { CallAllResult } from '../../../src/index.js';
import { otelTracing } from '../../../src/otel.js';
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
import { type Library, OWN_LIBRARY } from './library.js';
import { registerOtelSdk } from './otel-sdk.js';
import { GatherError, type Operation, type PrimaryContender, type WorkerContender } from './types.js';

/**
 * How a cluster-rpc contender runs: `metrics` on (`cluster-rpc+metrics`); over `socketTransport()` (`cluster-rpc/socket`);
 * `tracing` with `otelTracing()` and no SDK (`api`, `cluster-rpc+otel`) or with the SDK registered for the phase (`sdk`,
 * `cluster-rpc+otel-sdk`); another build (`library`, `cluster-rpc@base`).
 */
export interface ClusterRpcVariant {
  readonly metrics?: boolean;
  readonly socket?: boolean;
  readonly tracing?: 'api' | 'sdk';
  readonly library?: Library;
}

/** The echo procedures both sides serve (the NATS cell's members too). */
export function echoRouter({ defineRouter, procedure }: Pick<Library, 'defineRouter' | 'procedure'> = OWN_LIBRARY) {
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

/** The rpc object of a phase, and what removes the SDK it registered, if any. */
function open(variant: ClusterRpcVariant) {
  const library = variant.library ?? OWN_LIBRARY;
  const unregister = variant.tracing === 'sdk' ? registerOtelSdk() : undefined;
  const events = library.defineEvents({ fanoutTiny: fanoutTinySchema, fanoutRecords: fanoutRecordsSchema, ack: ackSchema });
  const rpc = library.createClusterRpc({
    primary: echoRouter(library),
    worker: echoRouter(library),
    events,
    metrics: variant.metrics ?? false,
    ...(variant.tracing ? { tracing: otelTracing() } : {}),
    ...(variant.socket || library.overSocket ? { transport: library.socketTransport() } : {}),
  });
  const close = async (): Promise<void> => {
    await rpc.close();
    await unregister?.();
  };
  return { rpc, close };
}

function valuesOrThrow<T>(results: ReadonlyArray<CallAllResult<T>>): T[] {
  return results.map((result) => {
    if (result.status === 'rejected') throw new GatherError(`callAll: worker ${result.workerId}: ${result.error.message}`);
    return result.value;
  });
}

/** Opens the cluster-rpc contender in the primary. Every live worker takes part. */
export function openClusterRpcPrimary(variant: ClusterRpcVariant = {}): PrimaryContender {
  const { rpc, close } = open(variant);
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
      const payload = payloadOf(kind);
      return kind === 'tiny'
        ? () => rpc.primary.call(worker, 'echo.tiny', payload as TinyPayload)
        : () => rpc.primary.call(worker, 'echo.records', payload as RecordsPayload);
    },
    callAllCaller(_workers, kind): Operation {
      const payload = payloadOf(kind);
      return kind === 'tiny'
        ? async () => valuesOrThrow(await rpc.primary.callAll('echo.tiny', payload as TinyPayload))
        : async () => valuesOrThrow(await rpc.primary.callAll('echo.records', payload as RecordsPayload));
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
    close,
  };
}

/** Opens the cluster-rpc contender in a worker. */
export function openClusterRpcWorker(variant: ClusterRpcVariant = {}): WorkerContender {
  const { rpc, close } = open(variant);
  const acknowledge = ({ seq }: { seq: number }): void => {
    rpc.worker.emit('ack', { seq }).catch(() => undefined);
  };
  rpc.worker.on('fanoutTiny', acknowledge);
  rpc.worker.on('fanoutRecords', acknowledge);
  return {
    caller(kind): Operation {
      const payload = payloadOf(kind);
      return kind === 'tiny'
        ? () => rpc.worker.call('echo.tiny', payload as TinyPayload)
        : () => rpc.worker.call('echo.records', payload as RecordsPayload);
    },
    pendingCount: () => rpc.pendingCount(),
    close,
  };
}
