/** The primary, running: its engine, and `rpc.primary` assembled from calls, events and metrics. @module */
import type { Worker } from 'node:cluster';
import type { AnyRouter } from '../define/inference.js';
import type { CallOptions } from '../engine/call-options.js';
import { captureCaller } from '../engine/caller-stack.js';
import { Engine, type RpcSettings, type RunningSide } from '../engine/engine.js';
import type { Peer } from '../engine/peer.js';
import type { StreamOptions } from '../engine/read-stream.js';
import type { Transport } from '../transports/transport.js';
import { encodePayload } from '../wire/codec.js';
import { toRpcError } from '../wire/errors.js';
import type { CallAllResult, PrimaryEventMeta, PrimaryRpc, WorkerChange, WorkerInfo } from './primary.js';
import { broadcaster, relayWorkerEvents } from './primary-events.js';
import { metricsOf } from './primary-metrics.js';

/** The primary side, running. @internal */
export type PrimarySide = RunningSide<PrimaryRpc<AnyRouter, unknown>>;

/** Starts serving and listening in the primary, over `transport`. @internal */
export function startPrimarySide(settings: RpcSettings, transport: Transport): PrimarySide {
  const engine: Engine<PrimaryEventMeta> = new Engine(
    settings,
    transport,
    relayWorkerEvents(() => engine),
  );
  /** A worker given as a cluster `Worker` or its id, and its peer if it is alive. */
  const target = (worker: Worker | number): { id: number; peer: Peer | undefined } => {
    const id = typeof worker === 'number' ? worker : worker?.id;
    return typeof id === 'number'
      ? { id, peer: Number.isSafeInteger(id) && id > 0 ? engine.peer(id) : undefined }
      : { id: -1, peer: undefined };
  };

  const api: PrimaryRpc<AnyRouter, unknown> = {
    call(worker: Worker | number, path: string, input?: unknown, options?: CallOptions) {
      const { id, peer } = target(worker);
      return engine.call(peer, id, path, input, options) as never;
    },
    stream(worker: Worker | number, path: string, input?: unknown, options?: StreamOptions) {
      const { id, peer } = target(worker);
      return engine.stream(peer, id, path, input, options) as never;
    },
    callAll(path: string, input?: unknown, options?: CallOptions) {
      // One input, encoded once for every worker; one caller's trace for all.
      const encoded = encodePayload(input, 'input', settings.maxPayloadBytes);
      const trace = captureCaller(api.callAll);
      const results = engine.livePeers().map(
        (peer): Promise<CallAllResult<unknown>> =>
          engine.call(peer, peer.target, path, input, options, encoded, trace).then(
            (value) => ({ workerId: Number(peer.target), status: 'fulfilled', value }),
            (error: unknown) => ({
              workerId: Number(peer.target),
              status: 'rejected',
              error: toRpcError(error, peer.site(path)),
            }),
          ),
      );
      return Promise.all(results) as never;
    },
    broadcast: broadcaster(engine),
    on(name: string, listener: (payload: never, meta: PrimaryEventMeta) => void) {
      return engine.events.on(name, listener as (payload: unknown, meta: PrimaryEventMeta) => void);
    },
    workers() {
      const workers: WorkerInfo[] = [];
      for (const { info, state } of engine.livePeers()) {
        // A worker whose rpc object closed takes no calls: onWorkers heard it leave.
        if (info.side === 'worker' && state !== 'closed')
          workers.push({ workerId: info.workerId, pid: info.pid, host: info.host });
      }
      return workers;
    },
    onWorkers(listener: (change: WorkerChange) => unknown) {
      if (typeof listener !== 'function') throw new TypeError('rpc.primary.onWorkers expects a function');
      return engine.membership.on((change) => {
        if (change.peer.side !== 'worker') return;
        const { workerId, pid, host } = change.peer;
        const worker: WorkerInfo = { workerId, pid, host };
        listener(change.type === 'joined' ? { type: 'joined', worker } : { type: 'left', worker, reason: change.reason });
      });
    },
    metrics: metricsOf(engine, settings.metrics?.sources ?? []) as PrimaryRpc<AnyRouter, unknown>['metrics'],
  } as PrimaryRpc<AnyRouter, unknown>;
  engine.api = { side: 'primary', primary: api };

  return { api, engine };
}
