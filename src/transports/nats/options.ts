/**
 * The options of `natsTransport`, checked, and the NATS client's options
 * derived from them.
 *
 * @module
 */
import { hostname } from 'node:os';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { DEFAULT_LIVENESS_MS, MIN_LIVENESS_MS } from './liveness.js';
import { checkClusterName } from './subjects.js';

/**
 * Options of {@link natsTransport}: the cluster's own ({@link NatsClusterOptions})
 * and any connection option of the NATS client (`@nats-io/transport-node`),
 * which pass through: `servers`, `user` and `pass`, `token`, `authenticator`
 * (nkeys, JWT), `tls`, `reconnectTimeWait`… The first connection is tried
 * again by the same settings until a server answers (`reconnectTimeWait`,
 * 250 ms here, plus `reconnectJitter`; `maxReconnectAttempts`, -1 here:
 * forever), as the client's `waitOnFirstConnect` does; `waitOnFirstConnect:
 * false` gives up after the first round instead.
 *
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { natsTransport } from 'cluster-rpc/nats';
 *
 * const rpc = createClusterRpc({
 *   transport: natsTransport({
 *     servers: ['nats://10.0.0.5:4222', 'nats://10.0.0.6:4222'],
 *     cluster: 'shop',
 *     role: 'worker',
 *     user: 'shop-worker',
 *     pass: process.env.NATS_PASSWORD,
 *     livenessMs: 5000,
 *     onError: (error) => console.error('cluster-rpc over NATS:', error.message),
 *   }),
 * });
 * ```
 *
 * @group NATS
 */
export type NatsTransportOptions = NatsClusterOptions & NodeConnectionOptions;

/**
 * What {@link natsTransport} needs besides the NATS client's options: the
 * cluster, this process's role, and how liveness and errors are handled.
 *
 * @example
 * ```ts
 * import type { NatsClusterOptions } from 'cluster-rpc/nats';
 *
 * const shop: NatsClusterOptions = { cluster: 'shop', role: 'primary', livenessMs: 3000 };
 * ```
 *
 * @group NATS
 */
export interface NatsClusterOptions {
  /**
   * The cluster's name: processes that give the same name form one cluster
   * (one primary, any number of workers). 1 to 64 letters, digits, `-` or `_`;
   * its subjects are `crpc.<cluster>.>`. Required.
   */
  readonly cluster: string;
  /**
   * Which side this process plays. Default: the environment variable
   * `CLUSTER_RPC_ROLE` (`primary` or `worker`); one of the two is required.
   */
  readonly role?: 'primary' | 'worker';
  /**
   * An already connected NATS client to use instead of opening one:
   * `rpc.close()` then leaves it open. Its `max_payload` applies as usual.
   * Default: the transport opens its own connection, and closes it.
   */
  readonly connection?: NatsConnection;
  /**
   * Milliseconds a silent peer counts as alive: calls in flight to a process
   * that died or froze reject with `DISCONNECTED` within this bound. Peers
   * beat every quarter of it. At least 100. Default: 3000
   * ({@link DEFAULT_LIVENESS_MS}). Give every process of a cluster the same.
   */
  readonly livenessMs?: number;
  /**
   * Told when the transport gives up (the servers refuse the credentials,
   * another primary is active, the connection closed for good), once when
   * the servers cannot be reached yet (it keeps trying), and when the server
   * reports an error (a permission violation). Default: writes the message
   * to `console.error`.
   */
  readonly onError?: (error: Error) => void;
}

/** The checked options. @internal */
export interface NatsSettings {
  readonly cluster: string;
  readonly role: 'primary' | 'worker';
  readonly livenessMs: number;
  readonly connection: NatsConnection | undefined;
  /** What goes to the client's `connect()`. */
  readonly connect: NodeConnectionOptions;
  /** The servers tried, for messages. */
  readonly servers: string;
  readonly onError: (error: Error) => void;
  /** Trying again when the first connection fails, by the client's reconnection settings. */
  readonly retry: {
    /** False when the caller set `waitOnFirstConnect: false`: the first failure is final. */
    readonly firstConnect: boolean;
    /** Rounds over the servers before giving up; -1: never. */
    readonly maxAttempts: number;
    /** The pause before the next round. */
    delayMs(): number;
  };
}

/** The client's default server. */
const DEFAULT_SERVER = 'nats://127.0.0.1:4222';

function reportToConsole(error: Error): void {
  console.error(`[cluster-rpc] NATS transport: ${error.message}`);
}

/** Checks the options; throws `TypeError` naming the option and the value. @internal */
export function checkOptions(options: NatsTransportOptions): NatsSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('natsTransport expects an options object');
  const { cluster, role, connection, livenessMs, onError, waitOnFirstConnect, ...connect } = options;
  const side = role ?? process.env.CLUSTER_RPC_ROLE;
  if (side !== 'primary' && side !== 'worker') {
    throw new TypeError(
      role === undefined
        ? `natsTransport: role must be 'primary' or 'worker'; none was given and CLUSTER_RPC_ROLE is ${JSON.stringify(process.env.CLUSTER_RPC_ROLE) ?? 'not set'}`
        : `natsTransport: role must be 'primary' or 'worker', got ${JSON.stringify(role)}`,
    );
  }
  const liveness = livenessMs ?? DEFAULT_LIVENESS_MS;
  if (typeof liveness !== 'number' || !Number.isInteger(liveness) || liveness < MIN_LIVENESS_MS || liveness > 2 ** 31 - 1) {
    throw new TypeError(`natsTransport: livenessMs must be an integer of at least ${MIN_LIVENESS_MS}, got ${String(liveness)}`);
  }
  if (
    connection !== undefined &&
    (typeof connection !== 'object' || connection === null || typeof connection.publish !== 'function')
  ) {
    throw new TypeError('natsTransport: connection must be a connected NATS client (from connect() of @nats-io/transport-node)');
  }
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('natsTransport: onError must be a function');
  const servers = connect.servers === undefined ? DEFAULT_SERVER : [connect.servers].flat().join(', ');
  const client = { ...CLIENT_RECONNECTION, ...connect };
  return {
    cluster: checkClusterName(cluster),
    role: side,
    livenessMs: liveness,
    connection,
    servers,
    onError: onError ?? reportToConsole,
    retry: {
      firstConnect: waitOnFirstConnect !== false,
      maxAttempts: client.maxReconnectAttempts ?? CLIENT_RECONNECTION.maxReconnectAttempts,
      delayMs: () =>
        client.reconnectDelayHandler?.() ??
        (client.reconnectTimeWait ?? CLIENT_RECONNECTION.reconnectTimeWait) +
          Math.random() * (client.reconnectJitter ?? CLIENT_RECONNECTION.reconnectJitter),
    },
    connect: {
      name: `cluster-rpc ${cluster} ${side} ${hostname()}:${process.pid}`,
      // The client's default (2 minutes) would notice a dead server only after minutes.
      pingInterval: Math.max(liveness, 1000),
      // This process never needs what it publishes itself.
      noEcho: true,
      ...client,
    },
  };
}

/**
 * A member of a cluster keeps trying, from its first connection on: its calls
 * wait within their timeouts meanwhile. The client's own defaults (2 s
 * between rounds, 10 rounds) would leave a process cut off for good after
 * 20 s; `reconnectJitter` is the client's.
 */
const CLIENT_RECONNECTION = { maxReconnectAttempts: -1, reconnectTimeWait: 250, reconnectJitter: 100 };
