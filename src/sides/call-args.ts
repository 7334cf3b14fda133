/** The argument lists of `call`, `stream`, `emit` and `broadcast` after the path or name: what wrappers of them spread. @module */
import type { CallOptions, EventOptions } from '../engine/call-options.js';
import type { StreamOptions } from '../engine/read-stream.js';

/**
 * The arguments of a call after the path (the input, optional when it may be `undefined`, then the options), to wrap `call`.
 *
 * @example
 * ```ts
 * import type { RouterInput, RouterOutput, RouterPath } from 'cluster-rpc';
 * import type { CallArgs } from 'cluster-rpc/types';
 * import { rpc, type primaryRouter } from './rpc.js';
 *
 * type Primary = typeof primaryRouter;
 *
 * // Calls the primary and logs how long it took.
 * async function timed<TPath extends RouterPath<Primary>>(
 *   path: TPath,
 *   ...args: CallArgs<RouterInput<Primary, TPath>>
 * ): Promise<RouterOutput<Primary, TPath>> {
 *   const started = performance.now();
 *   try {
 *     return await rpc.worker.call(path, ...args);
 *   } finally {
 *     console.log(`${path}: ${(performance.now() - started).toFixed(1)} ms`);
 *   }
 * }
 *
 * await timed('hits.increment', { by: 1 });
 * await timed('now');
 * ```
 *
 * @group Type helpers
 */
export type CallArgs<TInput> = undefined extends TInput
  ? [input?: TInput, options?: CallOptions]
  : [input: TInput, options?: CallOptions];

/**
 * The arguments of `stream` after the path (the input, optional when it may be `undefined`, then the options), to wrap `stream`.
 *
 * @example
 * ```ts
 * import { createClusterRpc, defineRouter, procedure, type RouterInput, type RouterOutput } from 'cluster-rpc';
 * import type { StreamArgs } from 'cluster-rpc/types';
 *
 * const primary = defineRouter({
 *   ticks: procedure.stream(async function* () {
 *     for (let tick = 0; ; tick++) yield tick;
 *   }),
 * });
 * const rpc = createClusterRpc({ primary });
 *
 * // Reads at most `limit` items of a stream from the primary.
 * async function first(limit: number, ...args: StreamArgs<RouterInput<typeof primary, 'ticks'>>) {
 *   const taken: Array<RouterOutput<typeof primary, 'ticks'>> = [];
 *   for await (const item of rpc.worker.stream('ticks', ...args)) {
 *     if (taken.push(item) >= limit) break;
 *   }
 *   return taken;
 * }
 * console.log(await first(3));
 * ```
 *
 * @group Type helpers
 */
export type StreamArgs<TInput> = undefined extends TInput
  ? [input?: TInput, options?: StreamOptions]
  : [input: TInput, options?: StreamOptions];

/**
 * The arguments of `emit` and `broadcast` after the name (the payload, optional when it may be `undefined`, then the options), to wrap them.
 *
 * @example
 * ```ts
 * import type { EventName } from 'cluster-rpc';
 * import type { EventArgs, EventInput } from 'cluster-rpc/types';
 * import { rpc, type events } from './rpc.js';
 *
 * type Events = typeof events;
 *
 * // Broadcasts and logs how many workers it reached.
 * async function announce<TName extends EventName<Events>>(name: TName, ...payload: EventArgs<EventInput<Events, TName>>) {
 *   const delivered = await rpc.primary.broadcast(name, ...payload);
 *   console.log(`${name} reached ${delivered} workers`);
 * }
 *
 * await announce('flush');
 * await announce('configChanged', { key: 'mode', value: 'fast' });
 * ```
 *
 * @group Type helpers
 */
export type EventArgs<TPayload> = undefined extends TPayload
  ? [payload?: TPayload, options?: EventOptions]
  : [payload: TPayload, options?: EventOptions];
