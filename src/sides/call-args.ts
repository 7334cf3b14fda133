/** The argument lists of `call`, `stream`, `emit` and `broadcast` after the path or name: what wrappers of them spread. @module */
import type { CallOptions, EventOptions } from '../engine/call-options.js';
import type { StreamOptions } from '../engine/read-stream.js';

/**
 * The arguments of `call` after the path: the input (optional when it may be `undefined`), then the options; for wrappers.
 * @example
 * ```ts
 * import type { RouterInput, RouterOutput, RouterPath } from 'cluster-rpc';
 * import type { CallArgs } from 'cluster-rpc/types';
 * import { rpc, type primaryRouter } from './rpc.js';
 * type Primary = typeof primaryRouter;
 * const logged = <TPath extends RouterPath<Primary>>(path: TPath, ...args: CallArgs<RouterInput<Primary, TPath>>) =>
 *   rpc.worker.call(path, ...args) as Promise<RouterOutput<Primary, TPath>>;
 * ```
 * @group Type helpers
 */
export type CallArgs<TInput> = undefined extends TInput
  ? [input?: TInput, options?: CallOptions]
  : [input: TInput, options?: CallOptions];

/**
 * The arguments of `stream` after the path, as {@link CallArgs} with {@link StreamOptions}.
 * @example
 * ```ts
 * import type { StreamArgs } from 'cluster-rpc/types';
 * const args: StreamArgs<{ table: string }> = [{ table: 'users' }, { highWaterMark: 8 }];
 * ```
 * @group Type helpers
 */
export type StreamArgs<TInput> = undefined extends TInput
  ? [input?: TInput, options?: StreamOptions]
  : [input: TInput, options?: StreamOptions];

/**
 * The arguments of `emit` and `broadcast` after the name: the payload (optional if it may be `undefined`), then the options.
 * @example
 * ```ts
 * import type { EventName } from 'cluster-rpc/types';
 * import type { EventArgs, EventInput } from 'cluster-rpc/types';
 * import { rpc, type events } from './rpc.js';
 * type Events = typeof events;
 * const announce = <TName extends EventName<Events>>(name: TName, ...args: EventArgs<EventInput<Events, TName>>) =>
 *   rpc.primary.broadcast(name, ...args);
 * ```
 * @group Type helpers
 */
export type EventArgs<TPayload> = undefined extends TPayload
  ? [payload?: TPayload, options?: EventOptions]
  : [payload: TPayload, options?: EventOptions];
