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

/** The flat record of procedures inside a router type. */
export type ProceduresOf<TRouter> = TRouter extends Router<infer TProcedures> ? TProcedures : never;

/**
 * Every procedure path of a router, as a union of strings.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineRouter, procedure, type RouterPath } from 'cluster-rpc';
 *
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) }, ping: procedure.handler(() => 'pong') });
 * type Paths = RouterPath<typeof router>; // 'hits.get' | 'ping'
 * const path: Paths = 'hits.get';
 * ```
 */
export type RouterPath<TRouter> = TRouter extends Router<infer TProcedures> ? keyof TProcedures & string : never;

/** What a caller passes to the procedure at `TPath` (`undefined` when it takes no input). */
export type RouterInput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<infer TInput, unknown> ? TInput : never;

/** What a caller receives from the procedure at `TPath`. */
export type RouterOutput<TRouter, TPath extends RouterPath<TRouter>> =
  ProceduresOf<TRouter>[TPath] extends Procedure<unknown, infer TOutput> ? TOutput : never;

/**
 * The arguments after the path: the input, optional when the procedure
 * accepts `undefined` (or takes none), then the {@link CallOptions}.
 */
export type CallArgs<TInput> = undefined extends TInput
  ? [input?: TInput, options?: CallOptions]
  : [input: TInput, options?: CallOptions];

/** Every event name of an event set. */
export type EventName<TEvents> = TEvents extends Events<infer TSchemas> ? keyof TSchemas & string : never;

/** The schemas inside an event set type. */
type SchemasOf<TEvents> = TEvents extends Events<infer TSchemas> ? TSchemas : EventSchemas;

/** What a sender passes as the payload of `TName` (the schema's input type). */
export type EventInput<TEvents, TName extends EventName<TEvents>> = SchemaInput<SchemasOf<TEvents>[TName]>;

/** What listeners of `TName` receive (the schema's output type). */
export type EventPayload<TEvents, TName extends EventName<TEvents>> = SchemaOutput<SchemasOf<TEvents>[TName]>;

/** The payload argument of `emit` and `broadcast`: optional when the schema accepts `undefined`. */
export type EventArgs<TPayload> = undefined extends TPayload ? [payload?: TPayload] : [payload: TPayload];

/** A router with no procedures: what a side serves when it is given none. */
export type EmptyRouter = Router<Record<never, never>>;

/** An event set with no events. */
export type NoEvents = Events<Record<never, never>>;

/** Any router type, for constraints. */
export type AnyRouter = Router<ProcedureMap>;
