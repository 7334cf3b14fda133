/**
 * The same routers across machines: {@link natsTransport} carries a cluster's
 * calls and events through a NATS server or cluster of servers. Needs the
 * optional peer dependency `@nats-io/transport-node` 3.x; nothing else in
 * cluster-rpc loads it. The README's section "Across machines" is the guide,
 * docs/nats.md the design.
 *
 * @packageDocumentation
 * @module cluster-rpc/nats
 */
export { DEFAULT_LIVENESS_MS } from './transports/nats/liveness.js';
export type { NatsClusterOptions, NatsTransportOptions } from './transports/nats/options.js';
export { natsTransport } from './transports/nats/transport.js';
