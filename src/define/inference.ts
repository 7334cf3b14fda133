/** Helper types that name a router's paths, inputs and outputs and an event set's payloads. @module */
import type { EventSchemas, Events } from './events.js';
import type { Procedure, ProcedureKind } from './procedure.js';
import type { ProcedureMap, Router } from './router.js';
import type { SchemaInput, SchemaOutput } from './schema.js';

/**
 * The flat record inside a router type: every procedure by its dotted path.
 * @example
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import type { ProceduresOf } from 'cluster-rpc/types';
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) } });
 * type Procedures = ProceduresOf<typeof router>; // { 'hits.get': Procedure<undefined, number> }
 * ```
 * @group Type helpers
 */
export type ProceduresOf<TRouter> = TRouter extends Router<infer TProcedures> ? TProcedures : never;

/**
 * Every procedure path of a router type, as a union of strings.
 * @example
 * ```ts
 * import { defineRouter, procedure, type RouterPath } from 'cluster-rpc';
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) }, ping: procedure.handler(() => 'pong') });
 * type Paths = RouterPath<typeof router>; // 'hits.get' | 'ping'
 * ```
 * @group Type helpers
 */
export type RouterPath<TRouter> = TRouter extends Router<infer TProcedures> ? keyof TProcedures & string : never;

/**
 * What a caller passes to the procedure at `TPath` (`z.input` of its schema; `undefined` without one).
 * @example
 * ```ts
 * import type { RouterInput } from 'cluster-rpc';
 * import type { primaryRouter } from './rpc.js';
 * const batch: Array<RouterInput<typeof primaryRouter, 'hits.increment'>> = [{ by: 1 }, { by: 2 }];
 * ```
 * @group Type helpers
 */
export type RouterInput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<infer TInput, unknown, ProcedureKind> ? TInput : never;

/**
 * What a caller receives from the procedure at `TPath` (its output schema's `z.output`, else the handler's result; per item).
 * @example
 * ```ts
 * import type { RouterOutput } from 'cluster-rpc';
 * import type { workerRouter } from './rpc.js';
 * const byWorker = new Map<number, RouterOutput<typeof workerRouter, 'stats'>>(); // { pid: number; requestId: string }
 * ```
 * @group Type helpers
 */
export type RouterOutput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<unknown, infer TOutput, ProcedureKind> ? TOutput : never;

/**
 * The paths of a router type's call procedures (ended with `.handler`): what `call` accepts.
 * @example
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import type { CallPath } from 'cluster-rpc/types';
 * const router = defineRouter({ ping: procedure.handler(() => 'pong'), ticks: procedure.stream(async function* () {}) });
 * const path: CallPath<typeof router> = 'ping'; // 'ticks' would not compile
 * ```
 * @group Type helpers
 */
export type CallPath<TRouter> =
  TRouter extends Router<infer TProcedures>
    ? {
        [TPath in keyof TProcedures & string]: TProcedures[TPath] extends Procedure<unknown, unknown, 'call'> ? TPath : never;
      }[keyof TProcedures & string]
    : never;

/**
 * The paths of a router type's stream procedures (ended with `.stream`): what `stream` accepts.
 * @example
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import type { StreamPath } from 'cluster-rpc/types';
 * const router = defineRouter({ ping: procedure.handler(() => 'pong'), ticks: procedure.stream(async function* () {}) });
 * const path: StreamPath<typeof router> = 'ticks'; // 'ping' would not compile
 * ```
 * @group Type helpers
 */
export type StreamPath<TRouter> =
  TRouter extends Router<infer TProcedures>
    ? {
        [TPath in keyof TProcedures & string]: TProcedures[TPath] extends Procedure<unknown, unknown, 'stream'> ? TPath : never;
      }[keyof TProcedures & string]
    : never;

/**
 * Every event name of an event set type, as a union of strings.
 * @example
 * ```ts
 * import type { EventName } from 'cluster-rpc/types';
 * import type { events } from './rpc.js';
 * const logged: Array<EventName<typeof events>> = ['configChanged', 'flush'];
 * ```
 * @group Type helpers
 */
export type EventName<TEvents> = TEvents extends Events<infer TSchemas> ? keyof TSchemas & string : never;

type SchemasOf<TEvents> = TEvents extends Events<infer TSchemas> ? TSchemas : EventSchemas;

/**
 * What a sender passes as the payload of `TName` (`z.input` of its schema).
 * @example
 * ```ts
 * import type { EventInput } from 'cluster-rpc/types';
 * import type { events } from './rpc.js';
 * const change: EventInput<typeof events, 'configChanged'> = { key: 'mode', value: 'fast' };
 * ```
 * @group Type helpers
 */
export type EventInput<TEvents, TName extends EventName<TEvents>> = SchemaInput<SchemasOf<TEvents>[TName]>;

/**
 * What listeners of `TName` receive (`z.output` of its schema).
 * @example
 * ```ts
 * import type { EventPayload } from 'cluster-rpc';
 * import { rpc, type events } from './rpc.js';
 * const apply = (change: EventPayload<typeof events, 'configChanged'>) => console.log(change.key, change.value);
 * rpc.worker.on('configChanged', apply);
 * ```
 * @group Type helpers
 */
export type EventPayload<TEvents, TName extends EventName<TEvents>> = SchemaOutput<SchemasOf<TEvents>[TName]>;

/**
 * A router with no procedures: what a side serves when {@link cluster-rpc!createClusterRpc} is given none for it.
 * @example
 * ```ts
 * import { defineRouter } from 'cluster-rpc';
 * import type { EmptyRouter } from 'cluster-rpc';
 * const none: EmptyRouter = defineRouter({});
 * ```
 * @group Type helpers
 */
export type EmptyRouter = Router<Record<never, never>>;

/**
 * An event set with no events: what {@link cluster-rpc!createClusterRpc} uses when given none.
 * @example
 * ```ts
 * import { defineEvents } from 'cluster-rpc';
 * import type { NoEvents } from 'cluster-rpc';
 * const none: NoEvents = defineEvents({});
 * ```
 * @group Type helpers
 */
export type NoEvents = Events<Record<never, never>>;

/**
 * Any router type, for constraints.
 * @example
 * ```ts
 * import type { RouterPath } from 'cluster-rpc';
 * import type { AnyRouter } from 'cluster-rpc/types';
 * const describe = <TRouter extends AnyRouter>(paths: Array<RouterPath<TRouter>>): string => paths.join(', ');
 * ```
 * @group Type helpers
 */
export type AnyRouter = Router<ProcedureMap>;
