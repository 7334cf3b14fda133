/**
 * A faster local channel: {@link socketTransport} carries a cluster's calls, streams and events over a Unix domain
 * socket (a named pipe on Windows) instead of Node's IPC channel: under node:cluster with nothing to configure, elsewhere
 * (PM2 cluster mode, systemd instances) with a socket path. The README's "A faster local channel" is the guide.
 * @packageDocumentation
 * @module cluster-rpc/socket
 */
export type { SocketTransportOptions } from './transports/socket/options.js';
export { socketTransport } from './transports/socket/transport.js';
