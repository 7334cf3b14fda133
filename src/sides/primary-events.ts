/**
 * Events in the primary: workers' events to its listeners, their broadcasts
 * relayed to the other workers, and its own broadcasts.
 *
 * @module
 */
import { type EventOptions, eventHeaders } from '../engine/call-options.js';
import type { Engine, EventHandler } from '../engine/engine.js';
import type { DeliveryOutcome, Peer } from '../engine/peer.js';
import { tracedEvent } from '../engine/traced.js';
import { RpcError } from '../wire/errors.js';
import { NO_HEADERS } from '../wire/headers.js';
import { type Envelope, event } from '../wire/protocol.js';
import type { PrimaryEventMeta } from './primary.js';

/** Sends `envelope` to every reachable worker but `except`; resolves with how many it was handed to. */
export function sendToAll(engine: Engine<PrimaryEventMeta>, envelope: Envelope, except?: Peer): Promise<number> {
  let sent = 0;
  const waiting: Array<Promise<DeliveryOutcome>> = [];
  for (const peer of engine.livePeers()) {
    if (peer === except) continue;
    const outcome = peer.sendWhenReady(envelope, engine.defaultTimeoutMs);
    if (outcome instanceof Promise) waiting.push(outcome);
    else if (outcome === 'sent') sent++;
  }
  if (waiting.length === 0) return Promise.resolve(sent);
  return Promise.all(waiting).then((outcomes) => sent + outcomes.filter((outcome) => outcome === 'sent').length);
}

/** What the primary does with a worker's event: its listeners hear it, and a broadcast goes on to the other workers. */
export function relayWorkerEvents(engine: () => Engine<PrimaryEventMeta>): EventHandler<PrimaryEventMeta> {
  return (peer, envelope, events) => {
    if (peer.info.side !== 'worker') return;
    const { workerId, pid, host } = peer.info;
    switch (envelope[0]) {
      case 'emit': {
        const [, name, payload, headers = NO_HEADERS] = envelope;
        return events.receive(name, payload, { workerId, pid, host, headers }, peer.info);
      }
      case 'bcast': {
        const [, name, payload, headers] = envelope;
        const meta: PrimaryEventMeta = { workerId, pid, host, headers: headers ?? NO_HEADERS };
        const relay = (): void => void sendToAll(engine(), event(name, workerId, pid, payload, host, headers), peer);
        return events.receive(name, payload, meta, peer.info, relay);
      }
      case 'event':
        return; // only the primary sends these
    }
  };
}

/** `rpc.primary.broadcast`: validated and encoded once, then handed to every worker. */
export function broadcastFrom(
  engine: Engine<PrimaryEventMeta>,
  name: string,
  payload: unknown,
  options: EventOptions | undefined,
): Promise<number> {
  if (engine.tracing)
    return tracedEvent(engine.tracing, 'broadcast', name, options, (traced) => broadcastUntraced(engine, name, payload, traced));
  return broadcastUntraced(engine, name, payload, options);
}

function broadcastUntraced(
  engine: Engine<PrimaryEventMeta>,
  name: string,
  payload: unknown,
  options: EventOptions | undefined,
): Promise<number> {
  try {
    if (!engine.accepting)
      throw new RpcError('SHUTTING_DOWN', `Cannot broadcast '${name}': the rpc object on the primary is closed`);
    const headers = eventHeaders(name, options);
    const encoded = engine.events.encode(name, payload, engine.maxPayloadBytes);
    if (encoded instanceof Promise)
      return encoded.then((settled) => sendToAll(engine, event(name, 0, process.pid, settled, '', headers)));
    return sendToAll(engine, event(name, 0, process.pid, encoded, '', headers));
  } catch (error) {
    return Promise.reject(error);
  }
}
