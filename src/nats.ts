/**
 * The same routers across machines: {@link natsTransport} carries a cluster's calls and events through NATS. Needs the
 * optional peer dependency `@nats-io/transport-node` 3.x. Guide: the README's "Across machines"; design: docs/nats.md.
 * @packageDocumentation
 * @module cluster-rpc/nats
 */
export type { NatsClusterOptions, NatsTransportOptions } from './transports/nats/options.js';
export { natsTransport } from './transports/nats/transport.js';
