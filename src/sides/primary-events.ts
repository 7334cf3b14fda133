/** Events in the primary: workers' events to its listeners, broadcasts relayed, its own broadcasts. @module */
import type { EventOptions } from '../engine/call-options.js';
import type { Engine, EventDelivery, EventHandler } from '../engine/engine.js';
import type { DeliveryOutcome, Peer } from '../engine/peer.js';
import { NO_HEADERS } from '../wire/headers.js';
import { type Envelope, event } from '../wire/protocol.js';
import type { PrimaryEventMeta } from './primary.js';

/** Sends `envelope` to every reachable worker but `except`; resolves with how many it was handed to. */
function sendToAll(engine: Engine<PrimaryEventMeta>, envelope: Envelope, except?: Peer): Promise<number> {
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
export function broadcaster(
  engine: Engine<PrimaryEventMeta>,
): (name: string, payload: unknown, options: EventOptions | undefined) => Promise<number> {
  const toEveryWorker: EventDelivery<number> = (name, encoded, headers) =>
    sendToAll(engine, event(name, 0, process.pid, encoded, '', headers));
  return (name, payload, options) => engine.sendEvent('broadcast', name, payload, options, toEveryWorker);
}
