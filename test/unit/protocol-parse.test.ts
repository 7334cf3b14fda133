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
  credit,
  type Envelope,
  emit,
  end,
  err,
  event,
  frame,
  hello,
  items,
  MAX_CREDIT,
  NO_TIMEOUT,
  ok,
  open,
  PROTOCOL_VERSION,
  parseFrame,
} from '../../src/wire/protocol.js';
import { HOSTILE, MALFORMED } from '../faults/fixtures/malformed.js';
import { PLANTED, POLLUTING_JSON, watchPrototypes } from '../faults/fixtures/pollution.js';

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
  ['event from the primary', event('ping', 0, 123, [{ n: 1 }], '')],
  ['event with headers', event('ping', 0, 123, [{ n: 1 }], '', { 'x-request-id': 'r-1' })],
  ['call with headers', call(ID, 'echo', 0, [1], { traceparent: '00-abc-def-01', 'x-request-id': 'r-1' })],
  ['open with headers', open(ID, 'logs', 1500, 16, [{ since: 0 }], { 'x-request-id': 'r-1' })],
  ['emit with headers', emit('ping', [{ n: 1 }], { a: '' })],
  ['event from a worker', event('ping', 3, 456, [], 'host-a')],
  ['open of a stream with a deadline and input', open(ID, 'logs', 1500, 16, [{ since: 0 }])],
  ['open of a stream without deadline or input, with the most credit', open(ID, 'ticks', NO_TIMEOUT, MAX_CREDIT, [])],
  ['items', items(ID, [[1], [], [{ at: '2020-01-01T00:00:00.000Z' }, { values: { at: ['Date'] } }]])],
  ['end', end(ID)],
  ['credit', credit(ID, 4)],
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
    const changed = watchPrototypes();
    for (const entry of MALFORMED) parseFrame(entry.message);
    for (const message of HOSTILE) parseFrame(message);
    // The tables do aim at prototypes, with the key checked below.
    expect(JSON.stringify(HOSTILE)).toContain(`"__proto__":{"${PLANTED}"`);
    expect(changed()).toEqual([]);
    expect(({} as Record<string, unknown>)[PLANTED]).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)[PLANTED]).toBeUndefined();
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
const KINDS = [
  'hello',
  'bye',
  'call',
  'ok',
  'err',
  'cancel',
  'emit',
  'bcast',
  'event',
  'open',
  'items',
  'end',
  'credit',
] as const;
/** Kinds no envelope has, some of them names every object inherits. */
const NOT_KINDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'CALL', '', 'call '] as const;

/** Envelopes the protocol's own constructors build from random fields: every one is valid. */
const id = fc.string({ minLength: 1, maxLength: 64 });
const payload = fc.oneof(
  fc.constant([] as const),
  fc.jsonValue().map((json) => [json] as const),
  fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([json, meta]) => [json, meta] as const),
);
const issue = fc.record({ message: fc.string(), path: fc.array(fc.oneof(fc.string(), fc.nat())) });
const wireError = fc.record(
  { code: fc.string(), message: fc.string(), issues: fc.array(issue, { maxLength: 3 }), data: payload },
  { requiredKeys: ['code', 'message'] },
);
const validEnvelope: fc.Arbitrary<Envelope> = fc.oneof(
  fc.constantFrom<0 | 1>(0, 1).map(hello),
  fc.constant(bye()),
  fc.tuple(id, fc.string(), fc.oneof(fc.constant(NO_TIMEOUT), fc.nat()), payload).map(([i, p, t, input]) => call(i, p, t, input)),
  fc.tuple(id, payload).map(([i, result]) => ok(i, result)),
  fc.tuple(id, wireError).map(([i, error]) => err(i, error)),
  fc.tuple(id, fc.constantFrom<'TIMEOUT' | 'ABORTED'>('TIMEOUT', 'ABORTED')).map(([i, code]) => cancel(i, code)),
  fc.tuple(fc.string(), payload).map(([name, p]) => emit(name, p)),
  fc.tuple(fc.string(), payload).map(([name, p]) => broadcast(name, p)),
  fc.tuple(fc.string(), fc.nat(), payload).map(([name, pid, p]) => event(name, 0, pid, p, '')),
  fc
    .tuple(fc.string(), fc.integer({ min: 1, max: 10_000 }), fc.nat(), payload, fc.string())
    .map(([name, worker, pid, p, host]) => event(name, worker, pid, p, host)),
  fc
    .tuple(id, fc.string(), fc.oneof(fc.constant(NO_TIMEOUT), fc.nat()), fc.integer({ min: 1, max: MAX_CREDIT }), payload)
    .map(([i, p, t, c, input]) => open(i, p, t, c, input)),
  fc.tuple(id, fc.array(payload, { minLength: 1, maxLength: 8 })).map(([i, list]) => items(i, list)),
  id.map(end),
  fc.tuple(id, fc.integer({ min: 1, max: MAX_CREDIT })).map(([i, n]) => credit(i, n)),
);

/** Values that break the rule for a field, one list per kind of field. */
const BAD: Record<
  'id' | 'payload' | 'timeout' | 'code' | 'reply' | 'error' | 'workerId' | 'string' | 'credit' | 'items',
  readonly unknown[]
> = {
  id: ['', 'x'.repeat(65), 0, null, {}, [ID]],
  payload: [[1, 2, 3], {}, 'x', null, 0],
  timeout: [-2, -0.5, '1000', null, []],
  code: ['timeout', 'OTHER', '', null],
  reply: [2, -1, '0', true, null],
  error: [
    [],
    'boom',
    null,
    { code: 1, message: 'm' },
    { code: 'X' },
    { code: 'X', message: 'm', issues: [{ message: 1, path: [] }] },
    { code: 'X', message: 'm', issues: 'x' },
    { code: 'X', message: 'm', data: 'x' },
  ],
  workerId: [-1, 1.5, '0', null],
  string: [0, null, [], {}],
  credit: [0, -1, 1.5, MAX_CREDIT + 1, 1e21, '4', null],
  items: [[], 'x', [[1, 2, 3]], [null], null, {}, Array.from({ length: MAX_CREDIT + 1 }, () => [])],
};
/** Per kind, which field may be broken how (by index). */
const FIELDS: Readonly<Record<string, ReadonlyArray<[index: number, bad: keyof typeof BAD]>>> = {
  hello: [[1, 'reply']],
  bye: [],
  call: [
    [1, 'id'],
    [2, 'string'],
    [3, 'timeout'],
    [4, 'payload'],
  ],
  ok: [
    [1, 'id'],
    [2, 'payload'],
  ],
  err: [
    [1, 'id'],
    [2, 'error'],
  ],
  cancel: [
    [1, 'id'],
    [2, 'code'],
  ],
  emit: [
    [1, 'string'],
    [2, 'payload'],
  ],
  bcast: [
    [1, 'string'],
    [2, 'payload'],
  ],
  event: [
    [1, 'string'],
    [2, 'workerId'],
    [3, 'workerId'],
    [4, 'payload'],
  ],
  open: [
    [1, 'id'],
    [2, 'string'],
    [3, 'timeout'],
    [4, 'credit'],
    [5, 'payload'],
  ],
  items: [
    [1, 'id'],
    [2, 'items'],
  ],
  end: [[1, 'id']],
  credit: [
    [1, 'id'],
    [2, 'credit'],
  ],
};

/**
 * A valid envelope broken in one way the protocol forbids: a field too many
 * or too few, a kind that does not exist, or one field of the wrong type.
 */
const brokenEnvelope: fc.Arbitrary<unknown[]> = fc
  .tuple(validEnvelope, fc.nat(), fc.nat(), fc.constantFrom('longer', 'shorter', 'kind', 'field'))
  .map(([envelope, pick, pickBad, how]) => {
    const copy: unknown[] = [...envelope];
    const fields = FIELDS[envelope[0]] ?? [];
    if (how === 'longer') copy.push(copy.length);
    else if (how === 'shorter') copy.pop();
    else if (how === 'kind' || fields.length === 0) copy[0] = NOT_KINDS[pick % NOT_KINDS.length];
    else {
      const [index, bad] = fields[pick % fields.length] as [number, keyof typeof BAD];
      copy[index] = BAD[bad][pickBad % BAD[bad].length];
    }
    return copy;
  });

/** A valid envelope with one field replaced by anything: valid or not, by chance. */
const mutatedEnvelope = fc
  .tuple(validEnvelope, fc.nat(), anyField)
  .map(([envelope, pick, value]) =>
    envelope.map((field, index) => (index === 1 + (pick % (envelope.length - 1 || 1)) ? value : field)),
  );
/** Tuples that look like envelopes: a kind, then 0–6 fields of any type. */
const envelopeLike = fc
  .tuple(fc.constantFrom(...KINDS, ...NOT_KINDS), fc.array(anyField, { maxLength: 6 }))
  .map(([kind, fields]) => [kind, ...fields]);
/** Mostly frames of the right version with an envelope list, so most runs reach the envelopes. */
const frameLike = fc.record({
  $crpc: fc.oneof({ arbitrary: fc.constant(PROTOCOL_VERSION), weight: 4 }, fc.anything()),
  m: fc.oneof(
    {
      arbitrary: fc.array(fc.oneof(validEnvelope, mutatedEnvelope, brokenEnvelope, envelopeLike, fc.anything()), {
        maxLength: 8,
      }),
      weight: 4,
    },
    fc.anything(),
  ),
});

/** The documented arity of each kind: what any envelope the gate keeps must have. */
const ARITY: Record<string, readonly number[]> = {
  hello: [2],
  bye: [1],
  call: [5],
  ok: [3],
  err: [3],
  cancel: [3],
  emit: [3],
  bcast: [3],
  event: [5, 6],
  open: [6],
  items: [3],
  end: [2],
  credit: [3],
};

/** Counts by key, for the minimums below. */
function counter(): { add(key: string, n?: number): void; readonly counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return {
    counts,
    add(key, n = 1) {
      counts[key] = (counts[key] ?? 0) + n;
    },
  };
}

describe('parseFrame: properties on random input', () => {
  it('never throws, and accounts for every envelope of a frame as kept or dropped', () => {
    const seen = counter();
    fc.assert(
      fc.property(fc.oneof(fc.anything(), frameLike), (message) => {
        const parsed = parseFrame(message);
        seen.add(parsed.kind);
        if (parsed.kind === 'frame') {
          const list = (message as { m: unknown[] }).m;
          expect(parsed.envelopes.length + parsed.dropped).toBe(list.length);
          seen.add('kept', parsed.envelopes.length);
          seen.add('dropped', parsed.dropped);
        }
      }),
      { numRuns: 2_000 },
    );
    // Enough of each verdict that the accounting was checked on real frames, kept and dropped envelopes.
    const minimum = { foreign: 300, malformed: 100, frame: 300, kept: 250, dropped: 700 };
    for (const [what, least] of Object.entries(minimum)) expect(seen.counts[what] ?? 0, what).toBeGreaterThan(least);
  });

  it('keeps only envelopes of a known kind, with its arity and a short non-empty id', () => {
    const kept = counter();
    fc.assert(
      fc.property(frameLike, (message) => {
        const parsed = parseFrame(message);
        if (parsed.kind !== 'frame') return;
        for (const envelope of parsed.envelopes) {
          kept.add(envelope[0]);
          expect(Object.hasOwn(ARITY, envelope[0])).toBe(true);
          expect(ARITY[envelope[0]]).toContain(envelope.length);
          if (['call', 'ok', 'err', 'cancel', 'open', 'items', 'end', 'credit'].includes(envelope[0])) {
            const id = envelope[1] as unknown;
            expect(typeof id === 'string' && id.length > 0 && id.length <= 64).toBe(true);
          }
        }
      }),
      { numRuns: 2_000 },
    );
    // The loop above ran on envelopes of every kind, not on a handful.
    for (const kind of KINDS) expect(kept.counts[kind] ?? 0, kind).toBeGreaterThan(30);
  });

  it('keeps exactly the valid envelopes of a frame, in order, and drops every broken one, after a trip through JSON', () => {
    const seen = counter();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), validEnvelope, brokenEnvelope), { maxLength: 8 }), (slots) => {
        const list = slots.map(([keep, valid, broken]) => (keep ? valid : broken));
        const wire = JSON.parse(JSON.stringify({ $crpc: PROTOCOL_VERSION, m: list })) as { m: unknown[] };
        const expected = wire.m.filter((_, index) => slots[index]?.[0]);
        expect(parseFrame(wire)).toEqual({ kind: 'frame', envelopes: expected, dropped: list.length - expected.length });
        for (const [keep, valid, broken] of slots) seen.add(keep ? `kept ${valid[0]}` : `dropped ${String(broken[0])}`);
      }),
      { numRuns: 1_000 },
    );
    for (const kind of KINDS) {
      expect(seen.counts[`kept ${kind}`] ?? 0, `kept ${kind}`).toBeGreaterThan(50);
      expect(seen.counts[`dropped ${kind}`] ?? 0, `dropped ${kind}`).toBeGreaterThan(20);
    }
  });

  it('pollutes no prototype, whatever it reads, also through __proto__, constructor and prototype keys', () => {
    const changed = watchPrototypes();
    const polluting = fc.constantFrom(...POLLUTING_JSON).map((json) => JSON.parse(json) as unknown);
    // Hostile objects where the gate looks: the message, its marker and list, an envelope, a field, a payload.
    const hostileFrame = fc.oneof(
      polluting,
      fc.tuple(polluting, polluting).map(([marker, list]) => ({ $crpc: marker, m: list })),
      fc
        .tuple(fc.array(fc.oneof(validEnvelope, polluting), { maxLength: 4 }), polluting)
        .map(([envelopes, extra]) =>
          Object.assign(JSON.parse(`{"$crpc":${PROTOCOL_VERSION}}`) as object, { m: [...envelopes, extra] }),
        ),
      fc
        .tuple(validEnvelope, fc.nat(), polluting)
        .map(([envelope, pick, value]) =>
          frame([envelope.map((field, index) => (index === pick % envelope.length ? value : field)) as unknown as Envelope]),
        ),
      fc.tuple(id, polluting).map(([i, value]) => frame([call(i, 'echo', 1000, [value]), ok(i, [value, value])])),
      fc
        .constantFrom(...POLLUTING_JSON)
        .map((json) => JSON.parse(`{"$crpc":${PROTOCOL_VERSION},"m":[${json}],"__proto__":${json}}`) as unknown),
    );
    let framesRead = 0;
    fc.assert(
      fc.property(
        fc.oneof(hostileFrame, fc.anything({ withObjectString: true, withNullPrototype: true }), frameLike),
        (message) => {
          if (parseFrame(message).kind === 'frame') framesRead++;
          expect(changed()).toEqual([]);
          expect(({} as Record<string, unknown>)[PLANTED]).toBeUndefined();
          expect(([] as unknown as Record<string, unknown>)[PLANTED]).toBeUndefined();
        },
      ),
      { numRuns: 1_000 },
    );
    expect(framesRead).toBeGreaterThan(150);
  });
});
