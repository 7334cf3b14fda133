/** The transport seam: what every transport implements, and the rules it follows (docs/design.md, "Writing a transport"). @module */
import type { Frame } from '../wire/protocol.js';

export type { Frame } from '../wire/protocol.js';

/**
 * Who made a call or sent an event: the primary, or one worker. Narrow it on
 * `side` to reach the worker's id and pid.
 *
 * @example
 * ```ts
 * import { procedure, type PeerInfo } from 'cluster-rpc';
 *
 * function describePeer(peer: PeerInfo): string {
 *   return peer.side === 'primary' ? 'the primary' : `worker ${peer.workerId} (pid ${peer.pid})`;
 * }
 * const whoAmI = procedure.handler(({ ctx }) => `called by ${describePeer(ctx.caller)}`);
 * ```
 *
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

/** The primary, as every transport names it: one frozen object, since the primary has no id. */
export const PRIMARY_PEER: PeerInfo = Object.freeze({ side: 'primary' });

/**
 * What became of a frame handed to a {@link PeerLink}:
 * - `sent`: the transport took it;
 * - `congested`: it took it, but its queue is past its high-water mark; better
 *   wait for `done` before sending more;
 * - `closed`: the peer cannot be reached; the frame was dropped and `done` will not run.
 *
 * @example
 * ```ts
 * import type { SendResult } from 'cluster-rpc/transport';
 *
 * function shouldPause(result: SendResult): boolean {
 *   return result === 'congested'; // wait for the write's callback before sending more
 * }
 * ```
 */
export type SendResult = 'sent' | 'congested' | 'closed';

/**
 * One peer process as the transport sees it: who it is, and how to reach it.
 *
 * @example
 * ```ts
 * import type { PeerLink } from 'cluster-rpc/transport';
 *
 * function describePeer({ info }: PeerLink): string {
 *   return info.side === 'primary' ? 'the primary' : `worker ${info.workerId} (pid ${info.pid} on ${info.host})`;
 * }
 * ```
 *
 * @group Transports
 */
export interface PeerLink {
  /** Who the peer is; a worker's id is unique for the primary's lifetime. */
  readonly info: PeerInfo;
  /**
   * Hands `frame` to the transport; `done` runs once it was written (or failed to).
   * Never throws. The receiving side hands the frame (or its JSON copy) to
   * {@link TransportHandlers.received}.
   */
  send(frame: Frame, done: (error: Error | null) => void): SendResult;
}

/**
 * What a transport tells the rpc layer. It never throws into the transport.
 *
 * @example A transport that logs who joins and leaves, around another one
 * ```ts
 * import type { Transport, TransportHandlers } from 'cluster-rpc/transport';
 *
 * function logged(handlers: TransportHandlers): TransportHandlers {
 *   return {
 *     ...handlers,
 *     joined(peer) {
 *       console.log('joined', peer.info);
 *       handlers.joined(peer);
 *     },
 *     left(peer, why) {
 *       console.log('left', peer.info, why);
 *       handlers.left(peer, why);
 *     },
 *   };
 * }
 * export const withLog = (inner: Transport): Transport => ({
 *   side: inner.side,
 *   open: (handlers, limits) => inner.open(logged(handlers), limits),
 * });
 * ```
 *
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
   * `peer` (a primary handing over to its successor) takes nothing new: calls,
   * streams and events made from now on wait for the next peer as if it had
   * left, while those it was already sent are still answered over `peer`
   * until it has `left`. `sent` runs once everything queued for `peer` has
   * been handed to the transport: nothing new follows it on that link.
   */
  leaving(peer: PeerLink, sent: () => void): void;
  /**
   * No peer can be reached and the transport has given up (its server refused
   * it, say): calls waiting for a peer, and later ones, fail with
   * `DISCONNECTED` saying `why`.
   */
  failed(why: string): void;
}

/**
 * What the rpc options mean for a transport.
 *
 * @example
 * ```ts
 * import type { TransportLimits } from 'cluster-rpc/transport';
 *
 * // A transport that puts frames back together from parts refuses to grow one past this.
 * const largestFrame = (limits: TransportLimits): number => 6 * limits.maxPayloadBytes + (1 << 20);
 * ```
 *
 * @example
 * ```ts
 * import type { TransportLimits } from 'cluster-rpc/transport';
 *
 * const chunksFor = (limits: TransportLimits, maxMessageBytes: number): number =>
 *   Math.ceil(limits.maxPayloadBytes / maxMessageBytes);
 * ```
 *
 * @group Transports
 */
export interface TransportLimits {
  /** The `maxPayloadBytes` of `createClusterRpc`: a frame carries at most a batch's worth more than this. */
  readonly maxPayloadBytes: number;
}

/**
 * A transport, opened for one side of the cluster.
 *
 * @example
 * ```ts
 * import type { TransportPort } from 'cluster-rpc/transport';
 *
 * const reachable = (port: TransportPort): number[] =>
 *   port.peers().flatMap(({ info }) => (info.side === 'worker' ? [info.workerId] : []));
 * ```
 *
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
   * Whether a worker holds its calls, events and streams (each within its
   * timeout) while it has no primary, until one joins: `true` for a
   * transport that connects asynchronously or whose primary can come back
   * (a broker, a socket path); `false` where the primary is there from the
   * start and never returns once gone (cluster IPC), so such calls fail with
   * `DISCONNECTED` at once.
   */
  readonly holdCallsWithoutPrimary: boolean;
  /**
   * Why a worker has no primary right now, in a few words for an error
   * message: the servers it cannot reach and why, or that no primary has
   * joined its cluster (by name). Asked, on a worker whose port holds calls
   * without a primary, when a call, stream or event held for one reaches its
   * timeout: it then fails with `DISCONNECTED` saying this, not with
   * `TIMEOUT`. Optional; without it the message says that no primary has joined.
   */
  whyNoPrimary?(): string;
  /**
   * Optional, in a primary: hand the workers over to the next primary before
   * closing. The transport frees the primary's place for a successor and asks
   * every worker to send nothing new (their side hears {@link TransportHandlers.leaving});
   * it resolves once every worker has confirmed, or after `withinMs`. The
   * primary serves what arrived until then. `close({ grace })` calls it.
   */
  stepDown?(withinMs: number): Promise<void>;
  /** Stops listening and releases what {@link Transport.open} took. */
  close(): Promise<void> | void;
}

/**
 * How the processes of a cluster reach each other: the `transport` option of
 * `createClusterRpc`. Without one, the rpc rides Node's cluster IPC.
 *
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { natsTransport } from 'cluster-rpc/nats';
 * import type { Transport } from 'cluster-rpc/transport';
 *
 * const transport: Transport = natsTransport({ servers: 'nats://127.0.0.1:4222', cluster: 'shop', role: 'worker' });
 * export const rpc = createClusterRpc({ transport });
 * ```
 *
 * @group Transports
 */
export interface Transport {
  /** Which side this process plays. */
  readonly side: 'primary' | 'worker';
  /** Starts listening; from now on `handlers` hear about peers and their messages. */
  open(handlers: TransportHandlers, limits: TransportLimits): TransportPort;
}
