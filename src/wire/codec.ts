/** Payload encoding, the only file that touches superjson (docs/design.md, "Plain JSON skips superjson"). @module */
import SuperJSON from 'superjson';

/** A payload on the wire: `[]` for `undefined`, `[json]` for plain JSON, `[json, meta]` for a value superjson described. */
export type EncodedPayload = readonly [] | readonly [json: unknown] | readonly [json: unknown, meta: unknown];

export type EncodeFailure =
  | { readonly kind: 'unserializable'; readonly detail: string }
  | { readonly kind: 'too-large'; readonly bytes: number };

export type EncodeResult =
  | { readonly ok: true; readonly payload: EncodedPayload /** Approximate JSON size. */; readonly bytes: number }
  | ({ readonly ok: false } & EncodeFailure);

/** Deeper than this the value goes to superjson, which copes with cycles (what usually gets this deep). */
const MAX_PLAIN_DEPTH = 100;

/** Strings shorter than this are counted as one byte a character; longer ones are measured as UTF-8. */
const MEASURE_UTF8_FROM_LENGTH = 256;

const EMPTY: EncodedPayload = [];

/** The keys superjson refuses as a prototype-pollution risk; refused on the plain path too, so both paths agree. */
function isGuardedKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** The JSON length of a finite number without printing it: exact for integers below 1e21, 18 for fractions. */
function numberBytes(value: number): number {
  const sign = value < 0 ? 1 : 0;
  const magnitude = sign ? -value : value;
  if (!Number.isInteger(magnitude)) return sign + 18;
  if (magnitude < 1e4) return sign + (magnitude < 10 ? 1 : magnitude < 100 ? 2 : magnitude < 1e3 ? 3 : 4);
  if (magnitude < 1e8) return sign + (magnitude < 1e5 ? 5 : magnitude < 1e6 ? 6 : magnitude < 1e7 ? 7 : 8);
  return sign + (magnitude < 1e21 ? String(magnitude).length : 22);
}

/** Thrown by {@link measure}; collects the path to the offending value while unwinding. */
class Unserializable extends Error {
  readonly segments: string[] = [];

  /** `input.user.cb is a function` */
  describe(label: string): string {
    return `${label}${this.segments.reverse().join('')} ${this.message}`;
  }
}

function within(error: unknown, segment: string): unknown {
  if (error instanceof Unserializable) error.segments.push(segment);
  return error;
}

/**
 * The approximate JSON size of plain JSON, or `-1` when the value needs superjson. Throws {@link Unserializable} for
 * what cannot cross at all; paths are built only then, so the common case allocates nothing.
 */
function measure(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return (value.length < MEASURE_UTF8_FROM_LENGTH ? value.length : Buffer.byteLength(value)) + 2;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? numberBytes(value) : -1;
    case 'boolean':
      return 5;
    case 'undefined':
    case 'bigint':
      return -1;
    case 'function':
      throw new Unserializable('is a function');
    case 'symbol':
      throw new Unserializable('is a symbol');
  }
  if (value === null) return 4;
  if (depth >= MAX_PLAIN_DEPTH) return -1;
  if (Array.isArray(value)) return measureArray(value, depth);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return measureObject(value as Record<string, unknown>, depth);
  measureSpecial(value as object, depth);
  return -1;
}

/** Typed arrays superjson rebuilds on the other side; it sends their elements as JSON numbers. */
const CARRIED_VIEWS: ReadonlySet<unknown> = new Set([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
]);

/** Refuses the binary values superjson would send but the other side could not rebuild as they were. */
function measureView(view: ArrayBufferView): void {
  const name = (view.constructor as { name?: string } | undefined)?.name ?? 'ArrayBufferView';
  // BigInt64Array would make the channel's JSON.stringify throw; Buffer, DataView and subclasses fail to decode.
  if (!CARRIED_VIEWS.has(view.constructor))
    throw new Unserializable(`is a ${name}, which cannot cross a JSON channel; copy it into a Uint8Array`);
  if (view instanceof Float32Array || view instanceof Float64Array) {
    for (const item of view) {
      if (!Number.isFinite(item) || Object.is(item, -0))
        throw new Unserializable(`is a ${name} holding ${Object.is(item, -0) ? '-0' : item}, which would arrive as 0`);
    }
  }
}

/** Date, Map, Set, class instances…: superjson's business, but still no functions or symbols inside. */
function measureSpecial(value: object, depth: number): void {
  if (ArrayBuffer.isView(value)) return measureView(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Unserializable('is an invalid Date, which would arrive as null');
    return;
  }
  if (value instanceof Map) {
    let index = 0;
    for (const [key, item] of value) {
      try {
        measure(key, depth + 1);
        measure(item, depth + 1);
      } catch (error) {
        throw within(error, `.<entry ${index}>`);
      }
      index++;
    }
  } else if (value instanceof Set) {
    for (const item of value) measure(item, depth + 1);
  } else {
    for (const key of Object.keys(value)) {
      if (isGuardedKey(key))
        throw new Unserializable(`has a key '${key}', which superjson refuses as a prototype-pollution risk`);
      try {
        measure((value as Record<string, unknown>)[key], depth + 1);
      } catch (error) {
        throw within(error, `.${key}`);
      }
    }
  }
}

function measureArray(items: readonly unknown[], depth: number): number {
  let bytes = 1 + items.length;
  let plain = true;
  for (let index = 0; index < items.length; index++) {
    let size: number;
    try {
      size = measure(items[index], depth + 1);
    } catch (error) {
      throw within(error, `[${index}]`);
    }
    if (size < 0) {
      // superjson sends a hole as null, not as undefined.
      if (!(index in items))
        throw within(new Unserializable('is a hole in a sparse array, which would arrive as null'), `[${index}]`);
      plain = false;
    } else bytes += size;
  }
  return plain ? bytes : -1;
}

function measureObject(object: Record<string, unknown>, depth: number): number {
  let bytes = 2;
  let plain = true;
  for (const key in object) {
    if (isGuardedKey(key)) throw new Unserializable(`has a key '${key}', which superjson refuses as a prototype-pollution risk`);
    let size: number;
    try {
      size = measure(object[key], depth + 1);
    } catch (error) {
      throw within(error, `.${key}`);
    }
    if (size < 0) plain = false;
    else bytes += size + key.length + 4;
  }
  return plain ? bytes : -1;
}

/** Encodes a payload, refusing what would be lost on the way or exceed `maxBytes`; `label` names it in messages. */
export function encodePayload(value: unknown, label: string, maxBytes: number): EncodeResult {
  if (value === undefined) return { ok: true, payload: EMPTY, bytes: 0 };
  try {
    let bytes = measure(value, 0);
    let payload: EncodedPayload;
    if (bytes >= 0) {
      payload = [value];
    } else {
      const { json, meta } = SuperJSON.serialize(value);
      bytes = Math.max(0, measure(json, 0)) + Math.max(0, measure(meta, 0));
      payload = meta === undefined ? [json] : [json, meta];
    }
    return bytes > maxBytes ? { ok: false, kind: 'too-large', bytes } : { ok: true, payload, bytes };
  } catch (error) {
    const detail =
      error instanceof Unserializable ? error.describe(label) : `${label} cannot be serialised: ${(error as Error).message}`;
    return { ok: false, kind: 'unserializable', detail };
  }
}

/** What {@link decodePayload} returns when the sender's `meta` was not superjson's. */
export class DecodeFailure {
  constructor(readonly detail: string) {}
}

/** The value that was sent, or a {@link DecodeFailure} (no sender can produce one, so no result object is needed). */
export function decodePayload(payload: EncodedPayload): unknown {
  if (payload.length === 0) return undefined;
  if (payload.length === 1) return payload[0];
  try {
    return SuperJSON.deserialize({ json: payload[0] as never, meta: payload[1] as never });
  } catch (error) {
    return new DecodeFailure((error as Error).message);
  }
}
