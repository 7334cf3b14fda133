/** `defineEvents`: the typed one-way messages either side may send. @module */
import { isSchema, type Schema } from './schema.js';

/**
 * Event names mapped to the schema of their payload: what {@link defineEvents} accepts.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineEvents } from 'cluster-rpc';
 * import type { EventSchemas } from 'cluster-rpc/types';
 * const cacheEvents = { cacheCleared: z.object({ keys: z.number() }) } satisfies EventSchemas;
 * const events = defineEvents({ ...cacheEvents, flush: z.void() });
 * ```
 * @group Define
 */
export type EventSchemas = { readonly [name: string]: Schema };

/** The symbol under which an event set keeps its schemas. @internal */
export const EVENTS: unique symbol = Symbol('cluster-rpc.events');

/**
 * A set of events made by {@link defineEvents}, to pass as `events` to {@link createClusterRpc}.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineEvents, type Events } from 'cluster-rpc';
 * const events: Events<{ flush: z.ZodVoid }> = defineEvents({ flush: z.void() });
 * ```
 * @group Define
 */
export interface Events<TSchemas extends EventSchemas> {
  /** @internal */
  readonly [EVENTS]: ReadonlyMap<string, Schema>;
  /** The schemas as given, for inference. */
  readonly schemas: TSchemas;
}

/**
 * Defines the events, each name's payload schema (`z.void()`: none), checked on both sides: {@link createClusterRpc}'s `events`.
 * @throws `TypeError` for an empty or `__proto__` name, or a value that is not a schema.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineEvents } from 'cluster-rpc';
 * export const events = defineEvents({ configChanged: z.object({ key: z.string(), value: z.string() }), flush: z.void() });
 * ```
 * @group Define
 */
export function defineEvents<const TSchemas extends EventSchemas>(schemas: TSchemas): Events<TSchemas> {
  if (typeof schemas !== 'object' || schemas === null) throw new TypeError('defineEvents expects an object of schemas');
  const map = new Map<string, Schema>();
  for (const name of Object.keys(schemas)) {
    const schema: unknown = schemas[name];
    if (name === '' || name === '__proto__') throw new TypeError(`defineEvents: '${name}' is not a usable event name`);
    if (!isSchema(schema)) throw new TypeError(`defineEvents: '${name}' must be a zod or Standard Schema, got ${typeof schema}`);
    map.set(name, schema);
  }
  return Object.freeze({ [EVENTS]: map, schemas });
}

export function schemasOf(events: Events<EventSchemas> | undefined): ReadonlyMap<string, Schema> {
  return events ? events[EVENTS] : EMPTY;
}

const EMPTY: ReadonlyMap<string, Schema> = new Map();
