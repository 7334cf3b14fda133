/** The options of `socketTransport`, checked, with their defaults. @module */
import { checkRole } from '../role.js';

/**
 * Options of {@link socketTransport}. Under node:cluster pass none (or only `onError`); elsewhere `path` and `role`.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { socketTransport } from 'cluster-rpc/socket';
 *
 * const rpc = createClusterRpc({
 *   transport: socketTransport({
 *     path: '/run/shop/rpc.sock',
 *     role: process.env.NODE_APP_INSTANCE === '0' ? 'primary' : 'worker',
 *     token: process.env.SHOP_RPC_TOKEN,
 *     onError: (error) => console.error('cluster-rpc socket:', error.message),
 *   }),
 * });
 * ```
 * @group Socket
 */
export interface SocketTransportOptions {
  /**
   * The socket's path (on Windows a named pipe, `\\?\pipe\name`) when node:cluster is not the parent of the workers: the
   * primary listens there, workers connect, and its directory's permissions decide who may. At most 103 bytes (the OS
   * limit for a socket path). Default: none; under node:cluster the primary makes a private directory for its socket.
   */
  readonly path?: string;
  /**
   * Which side this process plays, with `path`. Default: the environment variable `CLUSTER_RPC_ROLE` (`primary` or
   * `worker`). Without `path` the role is node:cluster's (`cluster.isPrimary`), and giving one is an error.
   */
  readonly role?: 'primary' | 'worker';
  /**
   * A shared secret, with `path`: a primary given one admits only workers that present the same. Default: the
   * environment variable `CLUSTER_RPC_SOCKET_TOKEN`, or none. Refused under node:cluster (each worker gets its own).
   */
  readonly token?: string;
  /**
   * What a primary does when another live primary listens on `path`: `false` refuses this one (its calls fail with
   * `DISCONNECTED` saying so, and `onError` hears it); `true` waits, and takes the path once the other primary is gone
   * (for `pm2 reload`, which starts the new instance before it stops the old one). The other primary frees the path at
   * once when its rpc object closes with a grace (as `serveWorker` does), handing its workers over. Default: `false`.
   */
  readonly standby?: boolean;
  /**
   * Told when the transport gives up (the path is taken by another primary, cannot be listened on, or the primary
   * refused this worker's token), and when a primary in standby starts and stops waiting. Default: `console.error`.
   */
  readonly onError?: (error: Error) => void;
}

/** The checked options. @internal */
export type SocketSettings =
  | {
      readonly mode: 'cluster';
      readonly onError: (error: Error) => void;
    }
  | {
      readonly mode: 'path';
      readonly path: string;
      readonly role: 'primary' | 'worker';
      /** `''`: none. */
      readonly token: string;
      readonly standby: boolean;
      readonly onError: (error: Error) => void;
    };

/** The longest socket path that works on Linux (107) and macOS (103), in bytes. */
export const MAX_SOCKET_PATH_BYTES = 103;

/** The longest token: it travels in the handshake, whose messages are small. */
const MAX_TOKEN_LENGTH = 1024;

/** A Windows named pipe: `\\?\pipe\…` or `\\.\pipe\…`. */
export function isPipeName(path: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(path);
}

function reportToConsole(error: Error): void {
  console.error(`[cluster-rpc] socket transport: ${error.message}`);
}

/** Checks the options; throws `TypeError` naming the option and the value. @internal */
export function checkOptions(options: SocketTransportOptions = {}): SocketSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('socketTransport expects an options object');
  const { path, role, token, standby, onError } = options;
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('socketTransport: onError must be a function');
  const report = onError ?? reportToConsole;
  if (path === undefined) {
    for (const [name, value] of [
      ['role', role],
      ['token', token],
      ['standby', standby],
    ] as const) {
      if (value !== undefined) {
        throw new TypeError(
          `socketTransport: ${name} needs a path; without one the transport follows node:cluster, which decides the roles and gives each worker a secret`,
        );
      }
    }
    return { mode: 'cluster', onError: report };
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`socketTransport: path must be a non-empty string, got ${JSON.stringify(path) ?? String(path)}`);
  }
  if (!isPipeName(path) && Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new TypeError(
      `socketTransport: path is ${Buffer.byteLength(path)} bytes long; a socket path may have at most ${MAX_SOCKET_PATH_BYTES}: ${path}`,
    );
  }
  const side = checkRole(role, 'socketTransport');
  const secret = token ?? process.env.CLUSTER_RPC_SOCKET_TOKEN ?? '';
  if (typeof secret !== 'string' || secret.length > MAX_TOKEN_LENGTH) {
    throw new TypeError(`socketTransport: token must be a string of at most ${MAX_TOKEN_LENGTH} characters`);
  }
  if (standby !== undefined && typeof standby !== 'boolean') {
    throw new TypeError(`socketTransport: standby must be a boolean, got ${JSON.stringify(standby) ?? String(standby)}`);
  }
  return { mode: 'path', path, role: side, token: secret, standby: standby ?? false, onError: report };
}
