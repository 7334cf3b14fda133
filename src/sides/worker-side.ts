/** A worker, running: its engine, and `rpc.worker` over its one peer, the primary. @module */
import type { AnyRouter } from '../define/inference.js';
import type { CallOptions } from '../engine/call-options.js';
import { Engine, type RunningSide, type SideConfig } from '../engine/engine.js';
import type { DeliveryOutcome, Peer } from '../engine/peer.js';
import type { StreamOptions } from '../engine/read-stream.js';
import type { Transport } from '../transports/transport.js';
import type { EncodedPayload } from '../wire/codec.js';
import { RpcError } from '../wire/errors.js';
import { broadcast, type Envelope, emit } from '../wire/protocol.js';
import type { WorkerEventMeta, WorkerRpc } from './worker.js';

/** The worker side, running. @internal */
export type WorkerSide = RunningSide<WorkerRpc<AnyRouter, unknown>>;

/** The meta of every event the primary sends itself; shared, so frozen. */
const FROM_PRIMARY: WorkerEventMeta = Object.freeze({ from: Object.freeze({ side: 'primary' } as const) });

/** The outcome of an event handed to the channel. */
const SENT: Promise<void> = Promise.resolve();

/** Starts serving and listening in a worker, over `transport`. @internal */
export function startWorkerSide(config: SideConfig, transport: Transport): WorkerSide {
  const engine = new Engine<WorkerEventMeta>(config, transport, (_conn, envelope, events) => {
    if (envelope[0] !== 'event') return; // only workers send the other kinds
    const [, name, fromWorkerId, fromPid, payload, fromHost = ''] = envelope;
    const meta: WorkerEventMeta =
      fromWorkerId === 0 ? FROM_PRIMARY : { from: { side: 'worker', workerId: fromWorkerId, pid: fromPid, host: fromHost } };
    events.receive(name, payload, meta);
  });
  const primary = (): Peer | undefined => engine.peer(0);

  const deliveryError = (name: string, outcome: Exclude<DeliveryOutcome, 'sent'>): RpcError => {
    switch (outcome) {
      case 'timeout':
        return new RpcError(
          'TIMEOUT',
          `Event '${name}' not sent: the primary's rpc object did not answer within ${config.defaultTimeoutMs} ms`,
        );
      case 'closed':
        return new RpcError('SHUTTING_DOWN', `Event '${name}' not sent: the primary's rpc object is closed`);
      case 'gone':
        return new RpcError('DISCONNECTED', `Event '${name}' not sent: the channel to the primary is closed`);
    }
  };
  const settle = (name: string, outcome: DeliveryOutcome): Promise<void> =>
    outcome === 'sent' ? SENT : Promise.reject(deliveryError(name, outcome));
  const deliver = (name: string, envelope: Envelope): Promise<void> => {
    const peer = primary();
    if (!peer) return Promise.reject(deliveryError(name, 'gone'));
    const outcome = peer.sendWhenReady(envelope, config.defaultTimeoutMs);
    return outcome instanceof Promise ? outcome.then((settled) => settle(name, settled)) : settle(name, outcome);
  };
  // Synchronous all the way for a ready primary and a synchronous schema: no promise is made but the result.
  const send = (name: string, payload: unknown, wrap: (name: string, encoded: EncodedPayload) => Envelope): Promise<void> => {
    try {
      if (!engine.accepting) {
        throw new RpcError('SHUTTING_DOWN', `Cannot send event '${name}': the rpc object on worker ${engine.self} is closed`);
      }
      const encoded = engine.events.encode(name, payload, config.maxPayloadBytes);
      if (encoded instanceof Promise) return encoded.then((settled) => deliver(name, wrap(name, settled)));
      return deliver(name, wrap(name, encoded));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const api = {
    call: (path: string, input?: unknown, options?: CallOptions) => engine.call(primary(), 'primary', path, input, options),
    stream: (path: string, input?: unknown, options?: StreamOptions) => engine.stream(primary(), 'primary', path, input, options),
    on: (name: string, listener: (payload: unknown, meta: WorkerEventMeta) => void) => engine.events.on(name, listener),
    emit: (name: string, payload?: unknown) => send(name, payload, emit),
    broadcast: (name: string, payload?: unknown) => send(name, payload, broadcast),
  } as unknown as WorkerRpc<AnyRouter, unknown>;
  engine.api = { side: 'worker', worker: api };

  return {
    api,
    close: (options) => engine.close(options),
    pendingCount: () => engine.pendingCount(),
    self: () => engine.self,
  };
}
