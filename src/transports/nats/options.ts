/** The options of `natsTransport`, checked, and the NATS client's options derived from them. @module */
import { hostname } from 'node:os';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { checkRole } from '../role.js';
import { DEFAULT_LIVENESS_MS, MIN_LIVENESS_MS } from './liveness.js';
import { checkClusterName } from './subjects.js';

/**
 * Options of {@link natsTransport}: the cluster's own ({@link NatsClusterOptions}) and the NATS client's, passed through
 * (`servers`, `user`, `tls`…), whose reconnection settings retry the first connection unless `waitOnFirstConnect: false`.
 * @example
 * ```ts
 * import type { NatsTransportOptions } from 'cluster-rpc/nats';
 * const options: NatsTransportOptions = { servers: ['nats://10.0.0.5:4222'], cluster: 'shop', user: 'shop', pass: 'secret' };
 * ```
 * @group NATS
 */
export type NatsTransportOptions = NatsClusterOptions & NodeConnectionOptions;

/**
 * What {@link natsTransport} needs besides the NATS client's options.
 * @example
 * ```ts
 * import type { NatsClusterOptions } from 'cluster-rpc/nats';
 * const shop: NatsClusterOptions = { cluster: 'shop', role: 'primary', livenessMs: 3000 };
 * ```
 * @group NATS
 */
export interface NatsClusterOptions {
  /** Processes giving the same name form one cluster: 1 to 64 letters, digits, `-` or `_` (subjects `crpc.<cluster>.>`). */
  readonly cluster: string;
  /** Which side this process plays. Default: the environment variable `CLUSTER_RPC_ROLE`; one is required. */
  readonly role?: 'primary' | 'worker';
  /** A connected NATS client to use, which `rpc.close()` leaves open. Default: the transport opens and closes its own. */
  readonly connection?: NatsConnection;
  /**
   * Milliseconds a silent peer counts as alive: calls to a process that died or froze fail within this. At least 100,
   * and the same in every process. Default: 3000.
   */
  readonly livenessMs?: number;
  /** Told when the transport gives up, once when no server can be reached yet, and of server errors. Default: `console.error`. */
  readonly onError?: (error: Error) => void;
}

/** The checked options. @internal */
export interface NatsSettings {
  readonly cluster: string;
  readonly role: 'primary' | 'worker';
  readonly livenessMs: number;
  readonly connection: NatsConnection | undefined;
  readonly connect: NodeConnectionOptions;
  readonly servers: string;
  readonly onError: (error: Error) => void;
  /** Retrying the first connection by the client's reconnection settings. */
  readonly retry: {
    /** False when the caller set `waitOnFirstConnect: false`: the first failure is final. */
    readonly firstConnect: boolean;
    readonly maxAttempts: number;
    delayMs(): number;
  };
}

const DEFAULT_SERVER = 'nats://127.0.0.1:4222';

function reportToConsole(error: Error): void {
  console.error(`[cluster-rpc] NATS transport: ${error.message}`);
}

/** Checks the options; throws `TypeError` naming the option and the value. @internal */
export function checkOptions(options: NatsTransportOptions): NatsSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('natsTransport expects an options object');
  const { cluster, role, connection, livenessMs, onError, waitOnFirstConnect, ...connect } = options;
  const side = checkRole(role, 'natsTransport');
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
 * A member of a cluster keeps trying, from its first connection on: its calls wait within their timeouts meanwhile.
 * The client's own defaults (10 rounds 2 s apart) would cut a process off for good after 20 s; the jitter is the client's.
 */
const CLIENT_RECONNECTION = { maxReconnectAttempts: -1, reconnectTimeWait: 250, reconnectJitter: 100 };
