/** The transport seam: what every transport implements, and the rules it follows (docs/design.md, "Writing a transport"). @module */
import type { Frame } from '../wire/protocol.js';

export type { Frame } from '../wire/protocol.js';

/**
 * Who made a call or sent an event: the primary, or one worker. Narrow it on `side`.
 * @example
 * ```ts
 * import type { PeerInfo } from 'cluster-rpc';
 * const describePeer = (peer: PeerInfo) => (peer.side === 'primary' ? 'the primary' : `worker ${peer.workerId}`);
 * ```
 * @group Define
 */
export type PeerInfo =
  | {
      /** The primary process. */
      readonly side: 'primary';
    }
  | {
      /** A cluster worker. */
      readonly side: 'worker';
      /** The worker's id: `cluster.worker.id` over cluster IPC, given by the primary on other transports. */
      readonly workerId: number;
      /** The worker's process id. */
      readonly pid: number;
      /** The host name of the worker's machine (`os.hostname()`). */
      readonly host: string;
    };

/** The primary, as every transport names it: it has no id. */
export const PRIMARY_PEER: PeerInfo = Object.freeze({ side: 'primary' });

/**
 * What became of a frame handed to a {@link PeerLink}: `sent`; `congested` (taken, but its queue is past its high-water mark:
 * `done` must still run, and the rpc layer waits for it); `closed` (dropped, and `done` must not run).
 * @example
 * ```ts
 * import type { SendResult } from 'cluster-rpc/transport';
 * const shouldPause = (result: SendResult) => result === 'congested';
 * ```
 */
export type SendResult = 'sent' | 'congested' | 'closed';

/**
 * One peer process as the transport sees it: who it is, and how to reach it.
 * @example
 * ```ts
 * import type { PeerLink } from 'cluster-rpc/transport';
 * const isPrimary = ({ info }: PeerLink) => info.side === 'primary';
 * ```
 * @group Transports
 */
export interface PeerLink {
  /** Who the peer is; a worker's id is unique for the primary's lifetime. */
  readonly info: PeerInfo;
  /**
   * Hands `frame` to the transport, never throwing; `done` runs once it was written or failed:
   * after `sent` possibly inside `send` (when the transport's own queue keeps it in order), after `congested` later.
   */
  send(frame: Frame, done: (error: Error | null) => void): SendResult;
}

/**
 * What a transport tells the rpc layer, which never throws into it.
 * @example A transport that logs who leaves, around another one
 * ```ts
 * import type { Transport } from 'cluster-rpc/transport';
 * export const withLog = (inner: Transport): Transport => ({
 *   side: inner.side,
 *   open: (handlers, limits) => inner.open({ ...handlers, left: (peer, why) => handlers.left(peer, `${why}!`) }, limits),
 * });
 * ```
 * @group Transports
 */
export interface TransportHandlers {
  /** A peer appeared (it may not listen yet: the rpc layer greets it, and waits for its greeting). */
  joined(peer: PeerLink): void;
  /** A message came from `peer`; anything may arrive, the rpc layer checks it. */
  received(peer: PeerLink, message: unknown): void;
  /** `peer` is gone for good: its process exited, its channel closed, or it stopped answering. */
  left(peer: PeerLink, why: string): void;
  /**
   * `peer` (a primary handing over to its successor) takes nothing new: what is made from now on waits for the next
   * peer, while what it was sent is answered until it has `left`. `sent` runs once all queued for it is handed over.
   */
  leaving(peer: PeerLink, sent: () => void): void;
  /** The transport gave up (its server refused it, say): calls waiting and later ones fail with `DISCONNECTED` saying `why`. */
  failed(why: string): void;
}

/**
 * What the rpc options mean for a transport.
 * @example
 * ```ts
 * import type { TransportLimits } from 'cluster-rpc/transport';
 * const chunksFor = (limits: TransportLimits, maxMessageBytes: number) => Math.ceil(limits.maxPayloadBytes / maxMessageBytes);
 * ```
 * @group Transports
 */
export interface TransportLimits {
  /** The `maxPayloadBytes` of `createClusterRpc`: a frame carries at most a batch's worth more than this. */
  readonly maxPayloadBytes: number;
}

/**
 * A transport, opened for one side of the cluster.
 * @example
 * ```ts
 * import type { TransportPort } from 'cluster-rpc/transport';
 * const reachable = (port: TransportPort) => port.peers().length;
 * ```
 * @group Transports
 */
export interface TransportPort {
  /** This process, as its peers see it (a worker's id may be assigned once it has joined). */
  self(): PeerInfo;
  /** The peers reachable now: every live worker in the primary, the primary (if any) in a worker. */
  peers(): readonly PeerLink[];
  /** The live worker with this id (primary side). */
  peer(workerId: number): PeerLink | undefined;
  /**
   * Whether a worker holds its calls, events and streams (within their timeout) while it has no primary: `true` for a
   * transport that connects asynchronously or whose primary can come back; `false` to fail at once (cluster IPC).
   */
  readonly holdCallsWithoutPrimary: boolean;
  /**
   * Why a worker has no primary now, for the `DISCONNECTED` error of what it held in vain. Default: "no primary has joined".
   */
  whyNoPrimary?(): string;
  /**
   * Optional, in a primary: hand the workers over to the next primary before closing (`close({ grace })` calls it).
   * Their side hears {@link TransportHandlers.leaving}; resolves once every worker confirmed, or after `withinMs`.
   */
  stepDown?(withinMs: number): Promise<void>;
  /** Stops listening and releases what {@link Transport.open} took. */
  close(): Promise<void> | void;
}

/**
 * How the processes of a cluster reach each other: the `transport` option of
 * `createClusterRpc`. Its rules are in docs/design.md, "Writing a transport".
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { natsTransport } from 'cluster-rpc/nats';
 * import type { Transport } from 'cluster-rpc/transport';
 * const transport: Transport = natsTransport({ servers: 'nats://127.0.0.1:4222', cluster: 'shop', role: 'worker' });
 * export const rpc = createClusterRpc({ transport });
 * ```
 * @group Transports
 */
export interface Transport {
  /** Which side this process plays. */
  readonly side: 'primary' | 'worker';
  /** Starts listening; from now on `handlers` hear about peers and their messages. */
  open(handlers: TransportHandlers, limits: TransportLimits): TransportPort;
}
