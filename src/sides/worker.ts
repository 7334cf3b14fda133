/** What a worker can do, `rpc.worker`, and who sent the events it hears. @module */
import type {
  AnyRouter,
  CallPath,
  EventInput,
  EventName,
  EventPayload,
  RouterInput,
  RouterOutput,
  StreamPath,
} from '../define/inference.js';
import type { RpcStream } from '../engine/read-stream.js';
import type { PeerInfo } from '../transports/transport.js';
import type { CallArgs, EventArgs, StreamArgs } from './call-args.js';
import type { WorkerInfo } from './primary.js';

/**
 * The primary joining or leaving, as {@link WorkerRpc.onPrimary} listeners hear it. Narrow it on `type`.
 * @example
 * ```ts
 * import type { PrimaryChange } from 'cluster-rpc';
 * const describe = (change: PrimaryChange) => (change.type === 'joined' ? 'primary up' : `no primary: ${change.reason}`);
 * ```
 * @group Call and listen
 */
export type PrimaryChange =
  | {
      /** This worker joined a primary that takes its calls; {@link WorkerRpc.self} gives its id there. */
      readonly type: 'joined';
    }
  | {
      /** The primary no longer takes this worker's calls. */
      readonly type: 'left';
      /** Why: `the primary closed its rpc object`, `the primary was silent for 2250 ms`… */
      readonly reason: string;
    };

/**
 * Who sent an event a worker receives: the second argument of its listeners.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * rpc.worker.on('configChanged', (change, meta) => console.log(change.key, 'from', meta.from.side));
 * ```
 * @group Call and listen
 */
export interface WorkerEventMeta {
  /** The primary, or the worker whose `rpc.worker.broadcast` the primary relayed. */
  readonly from: PeerInfo;
  /** The headers sent with the event (`options.headers`), empty when none. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a worker can do, as `rpc.worker`: call the primary's procedures, send and hear events. Reading it in the primary throws.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * rpc.worker.on('flush', () => console.log('flushing'));
 * const total = await rpc.worker.call('hits.increment', { by: 1 }, { timeout: 500 });
 * await rpc.worker.emit('requestServed', { path: '/', ms: 3 });
 * ```
 * @group Call and listen
 */
export interface WorkerRpc<TPrimaryRouter extends AnyRouter, TEvents> {
  /**
   * Calls a procedure on the primary, as {@link PrimaryRpc.call} a worker; held within its timeout until the primary answers.
   * @throws {@link RpcError} (as a rejection); `DISCONNECTED` when the channel to the primary closed.
   */
  call<TPath extends CallPath<TPrimaryRouter>>(
    path: TPath,
    ...args: CallArgs<RouterInput<TPrimaryRouter, TPath>>
  ): Promise<RouterOutput<TPrimaryRouter, TPath>>;

  /** Reads a stream procedure of the primary, as {@link PrimaryRpc.stream} does a worker's; held until the primary answers. */
  stream<TPath extends StreamPath<TPrimaryRouter>>(
    path: TPath,
    ...args: StreamArgs<RouterInput<TPrimaryRouter, TPath>>
  ): RpcStream<RouterOutput<TPrimaryRouter, TPath>>;

  /**
   * Listens to an event: the primary's broadcasts and other workers' (relayed by it), as {@link PrimaryRpc.on} does.
   * @returns A function that removes the listener.
   */
  on<TName extends EventName<TEvents>>(
    name: TName,
    listener: (payload: EventPayload<TEvents, TName>, meta: WorkerEventMeta) => unknown,
  ): () => void;

  /**
   * Sends an event to the primary's listeners once its payload passed the schema (`BAD_REQUEST` otherwise, nothing sent).
   * @returns Resolves once the event is handed to the channel.
   * @throws {@link RpcError} (as a rejection): `BAD_REQUEST`, `UNSERIALIZABLE`, `PAYLOAD_TOO_LARGE`,
   *   `SHUTTING_DOWN`, `DISCONNECTED`, or `TIMEOUT` when the primary's rpc object did not answer in time.
   */
  emit<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<void>;

  /** Sends an event to the primary's listeners and, through it, every other worker; checked as {@link WorkerRpc.emit}. */
  broadcast<TName extends EventName<TEvents>>(name: TName, ...args: EventArgs<EventInput<TEvents, TName>>): Promise<void>;

  /**
   * Listens to the primary joining and leaving, once each, in order, as {@link PrimaryRpc.onWorkers} does for workers. Over
   * NATS a worker hears `'left'` when its primary dies and `'joined'` with the next one, under a new id.
   * @returns A function that removes the listener.
   */
  onPrimary(listener: (change: PrimaryChange) => unknown): () => void;

  /** This worker as its primary knows it; `undefined` until it joined one (over NATS, also between two primaries). */
  self(): WorkerInfo | undefined;
}
