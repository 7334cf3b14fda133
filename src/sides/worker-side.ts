/** A worker, running: its engine, and `rpc.worker` over its one peer, the primary. @module */
import type { AnyRouter } from '../define/inference.js';
import type { CallOptions, EventOptions } from '../engine/call-options.js';
import { Engine, type EventDelivery, type RpcSettings, type RunningSide } from '../engine/engine.js';
import type { DeliveryOutcome, Peer } from '../engine/peer.js';
import type { StreamOptions } from '../engine/read-stream.js';
import { type PeerInfo, PRIMARY_PEER, type Transport } from '../transports/transport.js';
import type { EncodedPayload } from '../wire/codec.js';
import { RpcError } from '../wire/errors.js';
import { type Headers, NO_HEADERS } from '../wire/headers.js';
import { broadcast, type Envelope, emit } from '../wire/protocol.js';
import type { WorkerInfo } from './primary.js';
import type { PrimaryChange, WorkerEventMeta, WorkerRpc } from './worker.js';

/** The worker side, running. @internal */
export type WorkerSide = RunningSide<WorkerRpc<AnyRouter, unknown>>;

/** The meta of every event the primary sends itself without headers; shared, so frozen. */
const FROM_PRIMARY: WorkerEventMeta = Object.freeze({ from: PRIMARY_PEER, headers: NO_HEADERS });

/** The outcome of an event handed to the channel. */
const SENT: Promise<void> = Promise.resolve();

/** Starts serving and listening in a worker, over `transport`. @internal */
export function startWorkerSide(settings: RpcSettings, transport: Transport): WorkerSide {
  const engine = new Engine<WorkerEventMeta>(settings, transport, (_peer, envelope, events) => {
    if (envelope[0] !== 'event') return; // only workers send the other kinds
    const [, name, fromWorkerId, fromPid, payload, fromHost, headers = NO_HEADERS] = envelope;
    const from: PeerInfo =
      fromWorkerId === 0 ? PRIMARY_PEER : { side: 'worker', workerId: fromWorkerId, pid: fromPid, host: fromHost };
    const meta: WorkerEventMeta = from === PRIMARY_PEER && headers === NO_HEADERS ? FROM_PRIMARY : { from, headers };
    events.receive(name, payload, meta, from);
  });
  const primary = (): Peer | undefined => engine.peer(0);

  const deliveryError = (name: string, outcome: Exclude<DeliveryOutcome, 'sent'>): RpcError => {
    switch (outcome) {
      case 'timeout': {
        // As for a call: an event that could not even be sent says what was missing.
        const unsent = primary()?.unsentReason();
        if (unsent !== undefined)
          return new RpcError('DISCONNECTED', `Event '${name}' not sent within ${settings.defaultTimeoutMs} ms: ${unsent}`);
        return new RpcError(
          'TIMEOUT',
          `Event '${name}' not sent: the primary's rpc object did not answer within ${settings.defaultTimeoutMs} ms`,
        );
      }
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
    const outcome = peer.sendWhenReady(envelope, settings.defaultTimeoutMs);
    return outcome instanceof Promise ? outcome.then((settled) => settle(name, settled)) : settle(name, outcome);
  };
  // Made once, not per event: a ready primary and a synchronous schema send without any promise but the result.
  const toPrimary =
    (wrap: (name: string, encoded: EncodedPayload, headers?: Headers) => Envelope): EventDelivery<void> =>
    (name, encoded, headers) =>
      deliver(name, wrap(name, encoded, headers));
  const deliverEmit = toPrimary(emit);
  const deliverBroadcast = toPrimary(broadcast);

  const api = {
    call: (path: string, input?: unknown, options?: CallOptions) => engine.call(primary(), 'primary', path, input, options),
    stream: (path: string, input?: unknown, options?: StreamOptions) => engine.stream(primary(), 'primary', path, input, options),
    on: (name: string, listener: (payload: unknown, meta: WorkerEventMeta) => void) => engine.events.on(name, listener),
    emit: (name: string, payload?: unknown, options?: EventOptions) =>
      engine.sendEvent('emit', name, payload, options, deliverEmit),
    broadcast: (name: string, payload?: unknown, options?: EventOptions) =>
      engine.sendEvent('broadcast', name, payload, options, deliverBroadcast),
    onPrimary(listener: (change: PrimaryChange) => unknown) {
      if (typeof listener !== 'function') throw new TypeError('rpc.worker.onPrimary expects a function');
      return engine.membership.on((change) =>
        listener(change.type === 'joined' ? { type: 'joined' } : { type: 'left', reason: change.reason }),
      );
    },
    self(): WorkerInfo | undefined {
      const info = engine.joinedSelf();
      return info?.side === 'worker' ? { workerId: info.workerId, pid: info.pid, host: info.host } : undefined;
    },
  } as unknown as WorkerRpc<AnyRouter, unknown>;
  engine.api = { side: 'worker', worker: api };

  return { api, engine };
}
