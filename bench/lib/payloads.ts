/**
 * The payloads and their zod schemas, built once per process from a fixed seed so every process holds byte-identical data. The
 * larger sizes are arrays of records, the shape of a batch of rows, not one giant string that JSON would copy in one memcpy.
 */
import { z } from 'zod';

export const PAYLOAD_KINDS = ['tiny', '4kb', '100kb', '1mb'] as const;

export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** How tables and the chart name each size. */
export const PAYLOAD_LABELS: Readonly<Record<PayloadKind, string>> = {
  tiny: 'tiny (64 B)',
  '4kb': '4 KB',
  '100kb': '100 KB',
  '1mb': '1 MB',
};

/** The JSON size each record payload is grown to, in bytes. */
const TARGET_BYTES: Readonly<Record<Exclude<PayloadKind, 'tiny'>, number>> = {
  '4kb': 4 * 1024,
  '100kb': 100 * 1024,
  '1mb': 1024 * 1024,
};

/** `tiny`: about 64 bytes of JSON. */
export const tinySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  ok: z.boolean(),
  score: z.number(),
  tags: z.array(z.string()),
});

const recordSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  active: z.boolean(),
  score: z.number(),
  visits: z.number().int(),
  tags: z.array(z.string()),
  createdAt: z.string(),
});

/** The 4 KB, 100 KB and 1 MB payloads. */
export const recordsSchema = z.object({ items: z.array(recordSchema) });

/** The fan-out events every validated contender checks: a sequence number and the payload. */
export const fanoutTinySchema = z.object({ seq: z.number().int(), data: tinySchema });
export const fanoutRecordsSchema = z.object({ seq: z.number().int(), data: recordsSchema });
/** A worker's acknowledgement of a fan-out event. */
export const ackSchema = z.object({ seq: z.number().int() });

export type TinyPayload = z.infer<typeof tinySchema>;
export type RecordsPayload = z.infer<typeof recordsSchema>;
export type Payload = TinyPayload | RecordsPayload;

/** Mulberry32: a small seeded generator, so every process builds the same data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'north', 'south', 'cache', 'edge', 'batch', 'queue', 'shard'];

function buildRecords(targetBytes: number): RecordsPayload {
  const random = seededRandom(targetBytes);
  const pick = (): string => WORDS[Math.floor(random() * WORDS.length)] as string;
  const items: RecordsPayload['items'] = [];
  let bytes = '{"items":[]}'.length;
  while (bytes < targetBytes) {
    const id = items.length + 1;
    const name = `${pick()} ${pick()} ${id}`;
    const record = {
      id,
      name,
      email: `${name.replaceAll(' ', '.')}@example.com`,
      active: random() < 0.5,
      score: Math.round(random() * 100_000) / 100,
      visits: Math.floor(random() * 10_000),
      tags: [pick(), pick()],
      createdAt: new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 3e10)).toISOString(),
    };
    items.push(record);
    bytes += JSON.stringify(record).length + 1;
  }
  return { items };
}

const cache = new Map<PayloadKind, Payload>();

/** The payload of `kind`, built on first use and then shared. Callers must not mutate it. */
export function payloadOf(kind: PayloadKind): Payload {
  let payload = cache.get(kind);
  if (!payload) {
    payload =
      kind === 'tiny' ? { id: 123456, name: 'widget', ok: true, score: 0.5, tags: ['a', 'b'] } : buildRecords(TARGET_BYTES[kind]);
    cache.set(kind, payload);
  }
  return payload;
}

/** The payload's JSON size in bytes (what a raw `process.send` writes, before the envelope). */
export function payloadBytes(kind: PayloadKind): number {
  return Buffer.byteLength(JSON.stringify(payloadOf(kind)));
}
