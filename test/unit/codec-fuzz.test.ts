/**
 * `encodePayload` / `decodePayload`: every value either arrives equal after a
 * trip through Node's JSON channel or is refused before sending, never changed
 * on the way; the size limit holds; superjson metadata from a hostile peer
 * pollutes nothing.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from '../../src/wire/codec.js';
import { PLANTED, POLLUTING_JSON, watchPrototypes } from '../faults/fixtures/pollution.js';
import { CARRIED, REFUSED } from '../faults/fixtures/values.js';

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
  if (decoded instanceof DecodeFailure)
    return { kind: 'broken', why: `accepted, but the receiver cannot decode it: ${decoded.detail}` };
  return isDeepStrictEqual(decoded, value) ? { kind: 'equal' } : { kind: 'changed', arrived: decoded };
}

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
    const fates: Record<string, number> = {};
    const refused: Record<string, number> = {};
    const count = (fate: string): void => {
      fates[fate] = (fates[fate] ?? 0) + 1;
    };
    fc.assert(
      fc.property(anyValue, (value) => {
        const result = trip(value);
        if (result.kind === 'refused') {
          const reason = result.detail.replace(/^.*?\s(?=is |has )/, '');
          refused[reason] = (refused[reason] ?? 0) + 1;
          count('refused');
          return;
        }
        // A changed value fails here with the difference shown, under the rules of isDeepStrictEqual.
        if (result.kind === 'changed') deepStrictEqual(result.arrived, value);
        expect(result).toEqual({ kind: 'equal' });
        const encoded = encodePayload(value, 'input', Number.MAX_SAFE_INTEGER);
        count(encoded.ok && encoded.payload.length === 2 ? 'equal, described by superjson' : 'equal, as plain JSON');
      }),
      { numRuns: 3_000 },
    );
    console.log(`[codec] 3,000 random values: ${JSON.stringify(fates)}; refused because: ${JSON.stringify(refused)}`);
    // Most values must make the whole trip, by both paths: refusing everything would pass the loop above.
    expect(fates['equal, as plain JSON'] ?? 0).toBeGreaterThan(400);
    expect(fates['equal, described by superjson'] ?? 0).toBeGreaterThan(1_000);
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
    let checked = 0;
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
        checked++;
      }),
      { numRuns: 3_000 },
    );
    // Nearly every JSON value is measured (one with a __proto__ key is refused instead).
    expect(checked).toBeGreaterThan(2_900);
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
    const changed = watchPrototypes();
    // Paths that end in the key checked below, reached through a prototype.
    const aimed = [
      `__proto__.${PLANTED}`,
      `constructor.prototype.${PLANTED}`,
      `a.__proto__.${PLANTED}`,
      `a.constructor.prototype.${PLANTED}`,
      `b.__proto__.${PLANTED}`,
      `__proto__.__proto__.${PLANTED}`,
      `0.__proto__.${PLANTED}`,
    ];
    const path = fc.oneof(
      fc.constantFrom(...aimed),
      fc.constantFrom('__proto__', 'constructor.prototype', 'prototype', 'a', 'b'),
    );
    const metas = fc.oneof(
      fc.record({
        values: fc.dictionary(
          path,
          fc.constantFrom(['Date'], ['set'], ['map'], ['regexp'], ['bigint'], [['custom', 'x']], 'bigint', 'undefined'),
        ),
      }),
      fc.record({ referentialEqualities: fc.dictionary(fc.constantFrom('a', 'b', ...aimed), fc.array(path, { minLength: 1 })) }),
      fc.tuple(fc.array(path, { minLength: 1 }), fc.dictionary(path, fc.array(path))).map(([root, rest]) => ({
        referentialEqualities: [root, rest],
      })),
      fc.anything(),
    );
    const json = fc.oneof(
      fc.constant(null).map(() => ({ a: {}, b: {} })),
      fc.constant(null).map(() => [{}, {}]),
      fc.constantFrom(...POLLUTING_JSON).map((text) => JSON.parse(text) as unknown),
      fc.jsonValue(),
    );
    const fates: Record<string, number> = {};
    fc.assert(
      fc.property(json, metas, (value, meta) => {
        const decoded = decodePayload([value, meta]); // a value or a DecodeFailure; never a throw
        const aimedAtPrototype = (JSON.stringify(meta) ?? '').includes(PLANTED) ? ', aimed at a prototype' : '';
        const fate = `${decoded instanceof DecodeFailure ? 'refused' : 'decoded'}${aimedAtPrototype}`;
        fates[fate] = (fates[fate] ?? 0) + 1;
        expect(changed()).toEqual([]);
        expect(({} as Record<string, unknown>)[PLANTED]).toBeUndefined();
        expect(([] as unknown as Record<string, unknown>)[PLANTED]).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
    // Most runs aimed at a prototype (superjson turns every such path away), and other metadata was applied to values.
    expect((fates['refused, aimed at a prototype'] ?? 0) + (fates['decoded, aimed at a prototype'] ?? 0)).toBeGreaterThan(300);
    expect(fates.decoded ?? 0).toBeGreaterThan(100);
  });
});
