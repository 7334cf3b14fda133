/**
 * The seam between the rpc machinery and what carries its frames: a transport knows the peers, when they join and leave,
 * and how to hand one a frame; batching, backpressure, timeouts, validation, errors and the wire protocol are the core's.
 * ```ts
 * import type { Transport } from 'cluster-rpc/transport';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/transport
 */
export type {
  Frame,
  PeerLink,
  SendResult,
  Transport,
  TransportHandlers,
  TransportLimits,
  TransportPort,
} from './transports/transport.js';
