/**
 * The gate every incoming message passes, `parseFrame`: a table of malformed
 * and hostile messages, then properties checked on random input (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcast,
  bye,
  call,
  cancel,
  type Envelope,
  emit,
  err,
  event,
  frame,
  hello,
  NO_TIMEOUT,
  ok,
  PROTOCOL_VERSION,
  parseFrame,
} from '../../src/protocol.js';
import { HOSTILE, MALFORMED } from '../faults/fixtures/malformed.js';

const ID = 'V1StGXR8_Z5jdHi6B-myT';

/** One of each kind, built by the protocol's own constructors, with every optional field both ways. */
const VALID: ReadonlyArray<[name: string, envelope: Envelope]> = [
  ['hello asking for a reply', hello(0)],
  ['hello replying', hello(1)],
  ['bye', bye()],
  ['call with a timeout and input', call(ID, 'hits.increment', 1500, [{ by: 1 }])],
  ['call without timeout or input', call(ID, 'now', NO_TIMEOUT, [])],
  ['call with superjson meta', call(ID, 'echo', 0, [{ at: '2020-01-01T00:00:00.000Z' }, { values: { at: ['Date'] } }])],
  ['ok', ok(ID, [42])],
  ['ok with no result', ok(ID, [])],
  ['err', err(ID, { code: 'BAD_REQUEST', message: 'm', issues: [{ message: 'x', path: ['a', 0] }] })],
  ['err with data', err(ID, { code: 'TEAPOT', message: 'm', data: [{ short: true }] })],
  ['cancel on timeout', cancel(ID, 'TIMEOUT')],
  ['cancel on abort', cancel(ID, 'ABORTED')],
  ['emit', emit('ping', [{ n: 1 }])],
  ['bcast', broadcast('ping', [{ n: 1 }])],
  ['event from the primary', event('ping', 0, 123, [{ n: 1 }])],
  ['event from a worker', event('ping', 3, 456, [])],
];

describe('parseFrame: the table of malformed messages', () => {
  it.each(MALFORMED.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const parsed = parseFrame(entry.message);
    if (entry.expected === 'foreign') {
      expect(parsed).toEqual({ kind: 'foreign' });
    } else if (entry.expected === 'malformed') {
      expect(parsed.kind).toBe('malformed');
    } else {
      const list = (entry.message as { m: unknown[] }).m;
      expect(parsed).toEqual({ kind: 'frame', envelopes: [], dropped: list.length });
    }
    // The same message after a trip through Node's JSON channel gets the same verdict.
    if (entry.wire) {
      const again = parseFrame(JSON.parse(JSON.stringify(entry.message) ?? 'null'));
      expect(again.kind).toBe(parsed.kind);
      if (parsed.kind === 'frame') expect(again).toMatchObject({ envelopes: [] });
    }
  });

  it('pollutes no prototype while reading them', () => {
    for (const entry of MALFORMED) parseFrame(entry.message);
    for (const message of HOSTILE) parseFrame(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseFrame: hostile but well-formed frames', () => {
  it.each(HOSTILE.map((message, index) => [index, message] as const))(
    'hostile frame %i passes the gate whole',
    (_index, message) => {
      const parsed = parseFrame(message);
      expect(parsed).toMatchObject({ kind: 'frame', dropped: 0 });
      expect(parsed.kind === 'frame' && parsed.envelopes).toHaveLength((message as { m: unknown[] }).m.length);
    },
  );
});

describe('parseFrame: valid envelopes', () => {
  it.each(VALID)('keeps %s as it is, also after a trip through JSON', (_name, envelope) => {
    expect(parseFrame(frame([envelope]))).toEqual({ kind: 'frame', envelopes: [envelope], dropped: 0 });
    expect(parseFrame(JSON.parse(JSON.stringify(frame([envelope]))))).toEqual({
      kind: 'frame',
      envelopes: [envelope],
      dropped: 0,
    });
  });

  it('keeps the valid envelopes of a frame and counts the dropped ones', () => {
    const mixed = [VALID[0]?.[1], ['call'], VALID[3]?.[1], null, VALID[6]?.[1]];
    expect(parseFrame({ $crpc: PROTOCOL_VERSION, m: mixed })).toEqual({
      kind: 'frame',
      envelopes: [VALID[0]?.[1], VALID[3]?.[1], VALID[6]?.[1]],
      dropped: 2,
    });
  });
});

/** Field values of every type, including the edge cases the gate must tell apart. */
const anyField = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    ID,
    '',
    'x'.repeat(64),
    'x'.repeat(65),
    -1,
    0,
    1,
    -5,
    1.5,
    Number.NaN,
    'TIMEOUT',
    'ABORTED',
    [],
    [1],
    [1, 2],
    [1, 2, 3],
  ),
  fc.string(),
  fc.integer(),
);
const kinds = fc.constantFrom(
  'hello',
  'bye',
  'call',
  'ok',
  'err',
  'cancel',
  'emit',
  'bcast',
  'event',
  '__proto__',
  'constructor',
);
/** Tuples that look like envelopes: a kind, then 0–6 fields of any type. */
const envelopeLike = fc.tuple(kinds, fc.array(anyField, { maxLength: 6 })).map(([kind, fields]) => [kind, ...fields]);
const frameLike = fc.record({
  $crpc: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.anything()),
  m: fc.oneof(fc.array(fc.oneof(envelopeLike, fc.anything()), { maxLength: 8 }), fc.anything()),
});

/** The documented arity of each kind: what any envelope the gate keeps must have. */
const ARITY: Record<string, number> = { hello: 2, bye: 1, call: 5, ok: 3, err: 3, cancel: 3, emit: 3, bcast: 3, event: 5 };

describe('parseFrame: properties on random input', () => {
  it('never throws, and accounts for every envelope of a frame as kept or dropped', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), frameLike), (message) => {
        const parsed = parseFrame(message);
        if (parsed.kind === 'frame') {
          const list = (message as { m: unknown[] }).m;
          expect(parsed.envelopes.length + parsed.dropped).toBe(list.length);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps only envelopes of a known kind, with its arity and a short non-empty id', () => {
    fc.assert(
      fc.property(frameLike, (message) => {
        const parsed = parseFrame(message);
        if (parsed.kind !== 'frame') return;
        for (const envelope of parsed.envelopes) {
          expect(Object.hasOwn(ARITY, envelope[0])).toBe(true);
          expect(envelope).toHaveLength(ARITY[envelope[0]] as number);
          if (['call', 'ok', 'err', 'cancel'].includes(envelope[0])) {
            const id = envelope[1] as unknown;
            expect(typeof id === 'string' && id.length > 0 && id.length <= 64).toBe(true);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps every envelope the constructors build from random fields, after a trip through JSON', () => {
    const id = fc.string({ minLength: 1, maxLength: 64 });
    const payload = fc.oneof(
      fc.constant([] as const),
      fc.jsonValue().map((json) => [json] as const),
    );
    const envelope: fc.Arbitrary<Envelope> = fc.oneof(
      fc.constantFrom<0 | 1>(0, 1).map(hello),
      fc.constant(bye()),
      fc
        .tuple(id, fc.string(), fc.oneof(fc.constant(NO_TIMEOUT), fc.nat()), payload)
        .map(([i, p, t, input]) => call(i, p, t, input)),
      fc.tuple(id, payload).map(([i, result]) => ok(i, result)),
      fc.tuple(id, fc.string(), fc.string()).map(([i, code, message]) => err(i, { code, message })),
      fc.tuple(id, fc.constantFrom<'TIMEOUT' | 'ABORTED'>('TIMEOUT', 'ABORTED')).map(([i, code]) => cancel(i, code)),
      fc.tuple(fc.string(), payload).map(([name, p]) => emit(name, p)),
      fc.tuple(fc.string(), fc.nat(), fc.nat(), payload).map(([name, w, pid, p]) => event(name, w, pid, p)),
    );
    fc.assert(
      fc.property(fc.array(envelope, { maxLength: 8 }), (envelopes) => {
        const wire = JSON.parse(JSON.stringify(frame(envelopes)));
        const parsed = parseFrame(wire);
        expect(parsed).toEqual({ kind: 'frame', envelopes: wire.m, dropped: 0 });
      }),
      { numRuns: 1_000 },
    );
  });

  it('pollutes no prototype, whatever it reads', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ withObjectString: true, withNullPrototype: true }), frameLike), (message) => {
        parseFrame(message);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });
});
