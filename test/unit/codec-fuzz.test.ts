/**
 * `encodePayload` / `decodePayload`: every value either arrives equal after a
 * trip through Node's JSON channel or is refused before sending, never changed
 * on the way; the size limit holds; superjson metadata from a hostile peer
 * pollutes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeFailure, decodePayload, type EncodedPayload, encodePayload } from '../../src/codec.js';
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
        decodePayload([json, meta]); // a value or a DecodeFailure; never a throw
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      }),
      { numRuns: 300 },
    );
  });
});
