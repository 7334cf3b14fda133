/**
 * The seam between the rpc machinery and whatever carries its frames: Node's
 * cluster IPC (the default), an in-process network for tests
 * (`cluster-rpc/testing`), or a message broker (`cluster-rpc/nats`). Pass one
 * as the `transport` option of `createClusterRpc`.
 *
 * A transport knows who the peers are, when they join and leave, and how to
 * hand a frame to one of them. Everything else (batching, backpressure,
 * timeouts, validation, errors and the wire protocol) is the core's, the same
 * for every transport.
 *
 * ```ts
 * import type { Transport } from 'cluster-rpc/transport';
 * ```
 *
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
