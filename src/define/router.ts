/** `defineRouter`: nested procedures flattened into a map by dotted path, so inherited names are never found. @module */
import { type AnyProcedure, isProcedure, isProcedureBuilder, PROCEDURE, type ProcedureDef } from './procedure.js';

/**
 * A flat record of procedures keyed by dotted path: what a {@link Router} carries.
 * @example
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import type { ProcedureMap, ProceduresOf } from 'cluster-rpc/types';
 * const router = defineRouter({ hits: { get: procedure.handler(() => 1) } });
 * const flat: ProcedureMap = {} as ProceduresOf<typeof router>; // { 'hits.get': Procedure<undefined, number> }
 * ```
 * @group Type helpers
 */
export type ProcedureMap = { readonly [path: string]: AnyProcedure };

/**
 * What {@link defineRouter} accepts: procedures, nested objects of them, and other routers.
 * @example
 * ```ts
 * import { defineRouter, procedure } from 'cluster-rpc';
 * import type { RouterShape } from 'cluster-rpc/types';
 * const users = { list: procedure.handler(() => ['ada', 'grace']) } satisfies RouterShape;
 * const router = defineRouter({ users, ping: procedure.handler(() => 'pong') });
 * ```
 * @group Define
 */
export type RouterShape = { readonly [key: string]: AnyProcedure | RouterShape | Router<ProcedureMap> };

/** The symbol under which a router keeps its flat runtime map. @internal */
export const ROUTER: unique symbol = Symbol('cluster-rpc.router');

declare const procedures: unique symbol;

/**
 * The procedures one side serves, made by {@link defineRouter}: pass it to {@link createClusterRpc} or nest it.
 * @example
 * ```ts
 * import { defineRouter, procedure, type Procedure, type Router } from 'cluster-rpc';
 * const admin: Router<{ ping: Procedure<undefined, string> }> = defineRouter({ ping: procedure.handler(() => 'pong') });
 * const router = defineRouter({ admin }); // path: 'admin.ping'
 * ```
 * @group Define
 */
export interface Router<TProcedures extends ProcedureMap> {
  /** @internal */
  readonly [ROUTER]: ReadonlyMap<string, ProcedureDef>;
  /** Carries the types for inference only; never set at run time. @internal */
  readonly [procedures]?: TProcedures;
}

interface Entry<TPath extends string, TProcedure extends AnyProcedure> {
  readonly path: TPath;
  readonly procedure: TProcedure;
}

type Entries<TShape, TPrefix extends string> = {
  [K in keyof TShape & string]: TShape[K] extends AnyProcedure
    ? Entry<`${TPrefix}${K}`, TShape[K]>
    : TShape[K] extends Router<infer TNested>
      ? { [P in keyof TNested & string]: Entry<`${TPrefix}${K}.${P}`, TNested[P]> }[keyof TNested & string]
      : Entries<TShape[K], `${TPrefix}${K}.`>;
}[keyof TShape & string];

/** Maps over the entries in place rather than through a generic helper: see docs/design.md, "Type-checking cost". */
type FlatRecord<TShape> = {
  [E in Entries<TShape, ''> as E extends Entry<infer TPath, AnyProcedure> ? TPath : never]: E extends Entry<
    string,
    infer TProcedure
  >
    ? TProcedure
    : never;
};

/**
 * A router shape flattened to one record keyed by dotted path; resolved through `infer` so editors show the paths.
 * @example
 * ```ts
 * import type { Procedure } from 'cluster-rpc';
 * import type { FlattenShape } from 'cluster-rpc/types';
 * type Flat = FlattenShape<{ hits: { get: Procedure<undefined, number> }; ping: Procedure<undefined, string> }>;
 * const paths: Array<keyof Flat> = ['hits.get', 'ping'];
 * ```
 * @group Type helpers
 */
export type FlattenShape<TShape> = FlatRecord<TShape> extends infer TFlat ? { [P in keyof TFlat]: TFlat[P] } : never;

type DotKey = `${string}.${string}`;

/** What a router value must be, or a message that becomes the expected type, so the mistake reads well. */
type CheckEntry<TKey, TValue> = TKey extends DotKey | ''
  ? 'Router keys cannot be empty or contain a dot: nest objects instead'
  : TKey extends '__proto__'
    ? "'__proto__' cannot be a router key"
    : TValue extends AnyProcedure | Router<ProcedureMap>
      ? TValue
      : TValue extends { readonly handler: (fn: never) => AnyProcedure }
        ? 'Not a procedure yet: end the builder with .handler(fn)'
        : TValue extends (...args: never) => unknown
          ? 'A plain function is not a procedure: wrap it as procedure.handler(fn)'
          : TValue extends object
            ? CheckShape<TValue>
            : 'Router values must be procedures, nested objects of procedures, or routers';

/** The shape with every unusable key or value replaced by a message; homomorphic, so the shape is still inferred. */
type CheckShape<TShape> = { [K in keyof TShape]: CheckEntry<K, TShape[K]> };

function flatten(shape: object, prefix: string, into: Map<string, ProcedureDef>): void {
  if (Object.getPrototypeOf(shape) !== Object.prototype && Object.getPrototypeOf(shape) !== null) {
    // An object literal's `__proto__: value` sets the prototype instead of adding a key, and lands here too.
    throw new TypeError(
      `defineRouter: '${prefix.slice(0, -1) || '(root)'}' must be a plain object of procedures, not an array, a class instance or an object with a '__proto__' key`,
    );
  }
  for (const key of Object.keys(shape)) {
    const path = `${prefix}${key}`;
    if (key === '' || key.includes('.')) {
      throw new TypeError(`defineRouter: key '${path}' cannot be empty or contain a dot; nest objects instead`);
    }
    if (key === '__proto__') throw new TypeError(`defineRouter: '${path}' is a reserved name`);
    const value: unknown = (shape as Record<string, unknown>)[key];
    if (isProcedure(value)) {
      into.set(path, value[PROCEDURE]);
    } else if (isRouter(value)) {
      for (const [nestedPath, def] of value[ROUTER]) into.set(`${path}.${nestedPath}`, def);
    } else if (isProcedureBuilder(value)) {
      throw new TypeError(`defineRouter: '${path}' is not a procedure yet: end its builder with .handler(fn)`);
    } else if (typeof value === 'function') {
      throw new TypeError(`defineRouter: '${path}' is a plain function, not a procedure: wrap it as procedure.handler(fn)`);
    } else if (typeof value === 'object' && value !== null) {
      flatten(value, `${path}.`, into);
    } else {
      throw new TypeError(
        `defineRouter: '${path}' is ${value === null ? 'null' : typeof value}, not a procedure or a nested router`,
      );
    }
  }
}

function isRouter(value: unknown): value is Router<ProcedureMap> {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, ROUTER);
}

/**
 * Defines the procedures one side serves; a procedure's path is its keys joined by dots.
 * @throws `TypeError` naming the key, for an empty, dotted or `__proto__` key, a builder without
 *   `.handler()`, a plain function or any other value (most of these do not compile either).
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineRouter, procedure } from 'cluster-rpc';
 * export const primaryRouter = defineRouter({
 *   hits: { increment: procedure.input(z.object({ by: z.number() })).handler(({ input }) => input.by) },
 *   now: procedure.handler(() => new Date()),
 * }); // paths: 'hits.increment' and 'now'
 * ```
 * @group Define
 */
export function defineRouter<const TShape extends object>(shape: CheckShape<TShape>): Router<FlattenShape<TShape>> {
  if (typeof shape !== 'object' || shape === null) throw new TypeError('defineRouter expects an object of procedures');
  const map = new Map<string, ProcedureDef>();
  flatten(shape, '', map);
  return Object.freeze({ [ROUTER]: map }) as Router<FlattenShape<TShape>>;
}

export function proceduresOf(router: Router<ProcedureMap> | undefined): ReadonlyMap<string, ProcedureDef> {
  return router ? router[ROUTER] : EMPTY;
}

const EMPTY: ReadonlyMap<string, ProcedureDef> = new Map();
