/**
 * Helper types that name what a router or event set holds: its paths, each
 * procedure's input and output, each event's payload.
 *
 * @module
 */
import type { CallOptions } from './call.js';
import type { EventSchemas, Events } from './events.js';
import type { Procedure } from './procedure.js';
import type { ProcedureMap, Router } from './router.js';
import type { SchemaInput, SchemaOutput } from './schema.js';

/**
 * The flat record inside a router type: every procedure by its dotted path.
 *
 * @typeParam TRouter - A router type, `typeof` what {@link defineRouter} returned.
 *
 * @example
 * ```ts
 * import { defineRouter, procedure, type ProceduresOf } from 'cluster-rpc';
 *
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) } });
 * type Procedures = ProceduresOf<typeof router>; // { 'hits.get': Procedure<undefined, number> }
 * const count: keyof Procedures = 'hits.get';
 * ```
 *
 * @group Type helpers
 */
export type ProceduresOf<TRouter> = TRouter extends Router<infer TProcedures> ? TProcedures : never;

/**
 * Every procedure path of a router, as a union of strings. Nested objects and
 * nested routers are not paths; only the procedures at their leaves are.
 *
 * @typeParam TRouter - A router type, `typeof` what {@link defineRouter} returned.
 *
 * @example
 * ```ts
 * import { defineRouter, procedure, type RouterPath } from 'cluster-rpc';
 *
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) }, ping: procedure.handler(() => 'pong') });
 * type Paths = RouterPath<typeof router>; // 'hits.get' | 'ping'
 * const path: Paths = 'hits.get';
 * ```
 *
 * @group Type helpers
 */
export type RouterPath<TRouter> = TRouter extends Router<infer TProcedures> ? keyof TProcedures & string : never;

/**
 * What a caller passes to the procedure at `TPath`: the input schema's input
 * type (`z.input`), or `undefined` when the procedure takes no input.
 *
 * @typeParam TRouter - A router type.
 * @typeParam TPath - One of its paths.
 *
 * @example
 * ```ts
 * import { type RouterInput } from 'cluster-rpc';
 * import { rpc, type primaryRouter } from './rpc.js';
 *
 * type Increment = RouterInput<typeof primaryRouter, 'hits.increment'>; // { by: number }
 * const batch: Increment[] = [{ by: 1 }, { by: 2 }];
 * for (const input of batch) await rpc.worker.call('hits.increment', input);
 * ```
 *
 * @group Type helpers
 */
export type RouterInput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<infer TInput, unknown> ? TInput : never;

/**
 * What a caller receives from the procedure at `TPath`: the output schema's
 * output type (`z.output`) when it has one, else what the handler returns
 * (awaited).
 *
 * @typeParam TRouter - A router type.
 * @typeParam TPath - One of its paths.
 *
 * @example
 * ```ts
 * import { type RouterOutput } from 'cluster-rpc';
 * import { rpc, type workerRouter } from './rpc.js';
 *
 * type Stats = RouterOutput<typeof workerRouter, 'stats'>; // { pid: number; requestId: string }
 * const byWorker = new Map<number, Stats>();
 * for (const entry of await rpc.primary.callAll('stats')) {
 *   if (entry.status === 'fulfilled') byWorker.set(entry.workerId, entry.value);
 * }
 * ```
 *
 * @group Type helpers
 */
export type RouterOutput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<unknown, infer TOutput> ? TOutput : never;

/**
 * The arguments of a call after the path: the input, optional when the
 * procedure accepts `undefined` (or takes none), then the {@link CallOptions}.
 * Useful to wrap `call` without losing its checks.
 *
 * @typeParam TInput - The procedure's input, from {@link RouterInput}.
 *
 * @example
 * ```ts
 * import type { CallArgs, RouterInput, RouterOutput, RouterPath } from 'cluster-rpc';
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
 * Every event name of an event set, as a union of strings.
 *
 * @typeParam TEvents - An event set type, `typeof` what {@link defineEvents} returned.
 *
 * @example
 * ```ts
 * import type { EventName } from 'cluster-rpc';
 * import type { events } from './rpc.js';
 *
 * const logged: Array<EventName<typeof events>> = ['configChanged', 'flush'];
 * ```
 *
 * @group Type helpers
 */
export type EventName<TEvents> = TEvents extends Events<infer TSchemas> ? keyof TSchemas & string : never;

/** The schemas inside an event set type. */
type SchemasOf<TEvents> = TEvents extends Events<infer TSchemas> ? TSchemas : EventSchemas;

/**
 * What a sender passes as the payload of `TName`: the schema's input type
 * (`z.input`).
 *
 * @typeParam TEvents - An event set type.
 * @typeParam TName - One of its event names.
 *
 * @example
 * ```ts
 * import type { EventInput } from 'cluster-rpc';
 * import { rpc, type events } from './rpc.js';
 *
 * const change: EventInput<typeof events, 'configChanged'> = { key: 'mode', value: 'fast' };
 * await rpc.primary.broadcast('configChanged', change);
 * ```
 *
 * @group Type helpers
 */
export type EventInput<TEvents, TName extends EventName<TEvents>> = SchemaInput<SchemasOf<TEvents>[TName]>;

/**
 * What listeners of `TName` receive: the schema's output type (`z.output`).
 *
 * @typeParam TEvents - An event set type.
 * @typeParam TName - One of its event names.
 *
 * @example
 * ```ts
 * import type { EventPayload } from 'cluster-rpc';
 * import { rpc, type events } from './rpc.js';
 *
 * function applyChange(change: EventPayload<typeof events, 'configChanged'>): void {
 *   process.env[`APP_${change.key.toUpperCase()}`] = change.value;
 * }
 * rpc.worker.on('configChanged', applyChange);
 * ```
 *
 * @group Type helpers
 */
export type EventPayload<TEvents, TName extends EventName<TEvents>> = SchemaOutput<SchemasOf<TEvents>[TName]>;

/**
 * The payload argument of `emit` and `broadcast`: optional when the schema
 * accepts `undefined` (such as `z.void()`). Useful to wrap them.
 *
 * @typeParam TPayload - The payload, from {@link EventInput}.
 *
 * @example
 * ```ts
 * import type { EventArgs, EventInput, EventName } from 'cluster-rpc';
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
export type EventArgs<TPayload> = undefined extends TPayload ? [payload?: TPayload] : [payload: TPayload];

/**
 * A router with no procedures: what a side serves when {@link createClusterRpc}
 * is given none for it. Calling a path on it does not compile.
 *
 * @example
 * ```ts
 * import { createClusterRpc, defineRouter, procedure, type EmptyRouter } from 'cluster-rpc';
 *
 * // Only the primary serves procedures; workers serve none.
 * const rpc = createClusterRpc({ primary: defineRouter({ ping: procedure.handler(() => 'pong') }) });
 * const none: EmptyRouter = defineRouter({});
 * ```
 *
 * @group Type helpers
 */
export type EmptyRouter = Router<Record<never, never>>;

/**
 * An event set with no events: what {@link createClusterRpc} uses when it is
 * given none. Sending or listening to any event does not compile.
 *
 * @example
 * ```ts
 * import { defineEvents, type NoEvents } from 'cluster-rpc';
 *
 * const none: NoEvents = defineEvents({});
 * ```
 *
 * @group Type helpers
 */
export type NoEvents = Events<Record<never, never>>;

/**
 * Any router type, for constraints in code that works with any router.
 *
 * @example
 * ```ts
 * import { type AnyRouter, defineRouter, procedure, type RouterPath } from 'cluster-rpc';
 *
 * // Lists the paths a router serves, typed by that router.
 * function describe<TRouter extends AnyRouter>(paths: Array<RouterPath<TRouter>>): string {
 *   return paths.join(', ');
 * }
 *
 * const router = defineRouter({ ping: procedure.handler(() => 'pong') });
 * describe<typeof router>(['ping']);
 * ```
 *
 * @group Type helpers
 */
export type AnyRouter = Router<ProcedureMap>;
