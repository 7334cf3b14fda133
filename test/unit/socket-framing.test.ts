/**
 * The socket transport's framing: whatever way the stream is cut into
 * chunks, the same messages come out, in order; a length above the limit
 * stops the reader before anything is allocated for it; not-JSON is reported
 * as malformed and the reader goes on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage, MessageReader } from '../../src/transports/socket/framing.js';

function collect(maxBytes = 1 << 20): { reader: MessageReader; out: unknown[]; tooLarge: number[] } {
  const out: unknown[] = [];
  const tooLarge: number[] = [];
  const reader = new MessageReader(maxBytes, {
    message: (value, malformed) => out.push(malformed ? 'MALFORMED' : value),
    tooLarge: (bytes) => tooLarge.push(bytes),
  });
  return { reader, out, tooLarge };
}

/** `bytes` cut at the given offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

describe('socket framing', () => {
  it('any cut of a stream of messages gives back the same messages, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ stringUnit: 'binary' }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (values, offsets) => {
          const stream = Buffer.concat(values.map((value) => encodeMessage(value) as Buffer));
          const { reader, out } = collect();
          for (const chunk of cut(stream, offsets)) reader.push(chunk);
          expect(out).toEqual(values.map((value) => JSON.parse(JSON.stringify(value))));
          expect(reader.buffered).toBe(0);
        },
      ),
    );
  });

  it('a message cut one byte at a time, header included, comes out whole', () => {
    const value = { text: 'é'.repeat(1000), n: [1, 2, 3] };
    const bytes = encodeMessage(value) as Buffer;
    const { reader, out } = collect();
    for (let index = 0; index < bytes.length; index++) reader.push(bytes.subarray(index, index + 1));
    expect(out).toEqual([value]);
  });

  it('a length above the limit stops the reader at once, whether the prefix comes whole or in parts', () => {
    for (const parts of [[Buffer.from([0x40, 0, 0, 0, 1, 2])], [Buffer.from([0x40]), Buffer.from([0, 0]), Buffer.from([0, 9])]]) {
      const { reader, out, tooLarge } = collect(1024);
      for (const part of parts) reader.push(part);
      reader.push(encodeMessage({ after: 'the stop' }) as Buffer);
      expect(tooLarge).toEqual([2 ** 30]);
      expect(out).toEqual([]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('what is not JSON is reported as malformed, and the messages after it still come', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(3, 0);
    const { reader, out } = collect();
    reader.push(Buffer.concat([header, Buffer.from('{x}'), encodeMessage([1]) as Buffer]));
    expect(out).toEqual(['MALFORMED', [1]]);
  });

  it('the limit may change between messages, as a handshake opens a connection to frames', () => {
    const out: unknown[] = [];
    const reader: MessageReader = new MessageReader(16, {
      message: (value) => {
        out.push(value);
        reader.maxBytes = 1 << 20;
      },
      tooLarge: () => out.push('TOO LARGE'),
    });
    reader.push(Buffer.concat([encodeMessage({ t: 1 }) as Buffer, encodeMessage('x'.repeat(1000)) as Buffer]));
    expect(out).toEqual([{ t: 1 }, 'x'.repeat(1000)]);
  });

  it('values JSON cannot write are not encoded', () => {
    expect(encodeMessage(undefined)).toBeUndefined();
    expect(encodeMessage({ big: 1n })).toBeUndefined();
  });
});
