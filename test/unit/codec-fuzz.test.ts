/**
 * `encodePayload` / `decodePayload`: every value either arrives equal after a
 * trip through Node's JSON channel or is refused before sending, never changed
 * on the way; the size limit holds; superjson metadata from a hostile peer
 * pollutes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, type EncodedPayload, encodePayload } from '../../src/codec.js';

/** What Node's channel does to a message: `JSON.stringify` on one side, `JSON.parse` on the other. */
function overTheChannel(payload: EncodedPayload): EncodedPayload {
  return JSON.parse(JSON.stringify(payload)) as EncodedPayload;
}

type Trip =
  | { kind: 'equal' }
  | { kind: 'refused'; detail: string }
  | { kind: 'changed'; arrived: unknown }
  | { kind: 'broken'; why: string };

/** Encodes, sends through JSON, decodes: what became of `value`. */
function trip(value: unknown): Trip {
  const encoded = encodePayload(value, 'input', Number.MAX_SAFE_INTEGER);
  if (!encoded.ok) return { kind: 'refused', detail: encoded.kind === 'unserializable' ? encoded.detail : encoded.kind };
  let wire: EncodedPayload;
  try {
    wire = overTheChannel(encoded.payload);
  } catch (error) {
    return { kind: 'broken', why: `accepted, but the channel cannot carry it: ${(error as Error).message}` };
  }
  const decoded = decodePayload(wire);
  if (!decoded.ok) return { kind: 'broken', why: `accepted, but the receiver cannot decode it: ${decoded.detail}` };
  return isDeepStrictEqual(decoded.value, value) ? { kind: 'equal' } : { kind: 'changed', arrived: decoded.value };
}

const cycle: Record<string, unknown> = { name: 'cycle' };
cycle.self = cycle;
const shared = { shared: true };

/** Values that must arrive as themselves. */
const CARRIED: ReadonlyArray<[name: string, value: unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
  ['-0', -0],
  ['±Infinity', [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
  ['an object with an undefined property', { a: undefined, b: 1 }],
  ['an array holding undefined', [1, undefined, 3]],
  ['a Date', new Date(0)],
  ['the latest Date', new Date(8.64e15)],
  [
    'a Map with object keys',
    new Map<unknown, unknown>([
      [{ k: 1 }, 'v'],
      [-0, new Set([1n])],
    ]),
  ],
  ['a Set of Maps', new Set([new Map([[1, 2]])])],
  ['a huge BigInt', 2n ** 200n],
  ['a RegExp with flags', /a+b?/gimsu],
  ['a URL', new URL('http://127.0.0.1:8000/a?b=c')],
  ['a Uint8Array', new Uint8Array([0, 1, 255])],
  ['a Float64Array of finite numbers', new Float64Array([1.5, -2.25, 1e300])],
  ['a cycle', cycle],
  ['one object referenced twice', { a: shared, b: shared }],
  ['control characters', '\u0000\u0001\u001f"\\'],
  ['lone surrogates', '\ud800\udfff\ud800'],
  ['an object with keys that look like paths', { 'a.b': 1, '': 2, '0': 3, __defineGetter__: 4 }],
];

/** `[1, <hole>, 3]`, built without a literal hole. */
function sparse(): unknown[] {
  const items: unknown[] = [1];
  items[2] = 3;
  return items;
}

/** Values that cannot cross as they are: refused on the sending side, with a message naming where. */
const REFUSED: ReadonlyArray<[name: string, value: unknown, where: string]> = [
  ['a function', () => 1, 'input is a function'],
  ['a symbol', Symbol('s'), 'input is a symbol'],
  ['a function in a nested object', { a: [1, { f: () => 2 }] }, 'input.a[1].f'],
  ['a function as a Map value', new Map([['f', () => 1]]), 'input.<entry 0>'],
  ['a symbol in a Set', new Set([Symbol('s')]), 'input'],
  ['a constructor key', { constructor: 'x' }, "key 'constructor'"],
  ['an own __proto__ key', JSON.parse('{"__proto__":{"polluted":"yes"}}'), "key '__proto__'"],
  ['a prototype key', { prototype: 1 }, "key 'prototype'"],
  ['a constructor key inside a Map value', new Map([['a', { constructor: 1 }]]), "key 'constructor'"],
  ['an object with a toJSON method', { toJSON: () => 'x' }, 'input.toJSON is a function'],
  [
    'a getter that throws',
    Object.defineProperty({}, 'g', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    }),
    'no',
  ],
  // JSON would turn these into something else without a word.
  ['an invalid Date', new Date(Number.NaN), 'invalid Date'],
  ['a sparse array', sparse(), 'hole'],
  ['a Float64Array holding NaN', new Float64Array([1, Number.NaN]), 'Float64Array'],
  ['a Float32Array holding -0', new Float32Array([-0]), 'Float32Array'],
  ['a BigInt64Array', new BigInt64Array([1n]), 'BigInt64Array'],
  ['a Buffer', Buffer.from('hi'), 'Buffer'],
  ['a DataView', new DataView(new ArrayBuffer(2)), 'DataView'],
];

describe('encodePayload / decodePayload: values that must arrive as themselves', () => {
  it.each(CARRIED)('%s', (_name, value) => {
    expect(trip(value)).toEqual({ kind: 'equal' });
  });
});

describe('encodePayload: values refused before sending, never changed on the way', () => {
  it.each(REFUSED)('%s', (_name, value, where) => {
    const result = trip(value);
    expect(result.kind).toBe('refused');
    expect(result.kind === 'refused' && result.detail).toContain(where);
  });
});

/** Everything fast-check can build that the contract speaks of, nested. */
const anyValue = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withObjectString: true,
  maxDepth: 4,
});

describe('encodePayload / decodePayload: properties on random values', () => {
  it('every value arrives equal after a trip through JSON, or is refused before sending', () => {
    const refused: Record<string, number> = {};
    fc.assert(
      fc.property(anyValue, (value) => {
        const result = trip(value);
        if (result.kind === 'refused') {
          const reason = result.detail.replace(/^.*?\s(?=is |has )/, '');
          refused[reason] = (refused[reason] ?? 0) + 1;
          return;
        }
        expect(result).toEqual({ kind: 'equal' });
      }),
      { numRuns: 3_000 },
    );
    console.log(`[codec] refused among 3,000 random values: ${JSON.stringify(refused)}`);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withBoxedValues: true,
        }),
        (value) => {
          encodePayload(value, 'input', 1024);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('refuses with too-large above the limit; the estimate undercounts short non-ASCII strings, by at most 6×', () => {
    let worst = { ratio: 0, value: undefined as unknown };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat({ max: 4_096 }), (value, limit) => {
        const estimate = encodePayload(value, 'input', -1);
        if (estimate.ok || estimate.kind !== 'too-large') return;
        const actual = Buffer.byteLength(JSON.stringify(value));
        if (actual / estimate.bytes > worst.ratio) worst = { ratio: actual / estimate.bytes, value };
        // Each UTF-16 unit of a short string is counted as one byte; JSON may spend up to 6 on it (\u0000).
        expect(actual).toBeLessThanOrEqual(6 * estimate.bytes);
        const limited = encodePayload(value, 'input', limit);
        expect(limited.ok).toBe(estimate.bytes <= limit);
      }),
      { numRuns: 3_000 },
    );
    console.log(
      `[codec] worst real JSON size / estimate among random JSON values: ${worst.ratio.toFixed(2)} for ${JSON.stringify(worst.value).slice(0, 60)}`,
    );
  });

  it('an ASCII payload is measured to within a few bytes; short CJK strings are counted at a third of their size', () => {
    const ascii = { items: Array.from({ length: 1_000 }, (_, index) => ({ id: index, name: `item ${index}` })) };
    const cjk = { items: Array.from({ length: 1_000 }, () => '漢字'.repeat(50)) };
    for (const [value, low, high] of [
      [ascii, 0.95, 1.05],
      [cjk, 2.9, 3.1],
    ] as const) {
      const estimate = encodePayload(value, 'input', -1);
      const actual = Buffer.byteLength(JSON.stringify(value));
      expect(estimate.ok).toBe(false);
      const ratio = actual / (estimate.ok ? 1 : estimate.kind === 'too-large' ? estimate.bytes : 1);
      expect(ratio).toBeGreaterThanOrEqual(low);
      expect(ratio).toBeLessThanOrEqual(high);
    }
  });

  it('decodes superjson metadata from a hostile peer without polluting any prototype', () => {
    const metas = fc.oneof(
      fc.record({
        values: fc.dictionary(
          fc.constantFrom('__proto__', 'constructor.prototype', 'a.__proto__.b', 'prototype', 'a'),
          fc.constantFrom(['Date'], ['set'], ['map'], [['custom', 'x']], 'bigint'),
        ),
      }),
      fc.record({
        referentialEqualities: fc.dictionary(
          fc.constantFrom('a', ''),
          fc.array(fc.constantFrom('__proto__', 'b.__proto__', 'constructor.prototype.x', 'b')),
        ),
      }),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.oneof(fc.constant({ a: {}, b: {} }), fc.jsonValue()), metas, (json, meta) => {
        const decoded = decodePayload([json, meta]);
        expect(typeof decoded.ok).toBe('boolean');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      }),
      { numRuns: 300 },
    );
  });
});
