/** The argument lists of `call` and `stream` after the path: what wrappers of them spread. @module */
import type { CallOptions } from '../engine/call-options.js';
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
