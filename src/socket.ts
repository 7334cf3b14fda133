/**
 * A faster local channel: {@link socketTransport} carries a cluster's calls, streams and events over a Unix domain
 * socket (a named pipe on Windows) instead of Node's IPC channel, under node:cluster with nothing to configure, or
 * with a socket path where node:cluster is not the parent of the workers (PM2 cluster mode, systemd instances). The
 * README's section "A faster local channel" is the guide.
 *
 * @packageDocumentation
 * @module cluster-rpc/socket
 */
export type { SocketTransportOptions } from './transports/socket/options.js';
export { socketTransport } from './transports/socket/transport.js';
