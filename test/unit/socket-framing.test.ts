/**
 * The socket transport's framing: whatever way the stream is cut into
 * chunks, and whether the reader's chunks are its own or a buffer read into
 * again (`onread`), the same messages come out, in order; a line longer than
 * the limit stops the reader, whether it ends or never does; not-JSON is
 * reported as malformed and the reader goes on.
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

function line(value: unknown): Buffer {
  const text = encodeMessage(value);
  if (text === undefined) throw new Error('not JSON');
  return Buffer.from(text);
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

/** Feeds `chunks` through one buffer that is overwritten after each push, as a socket read with `onread` does. */
function pushReused(reader: MessageReader, chunks: Buffer[]): void {
  const buffer = Buffer.alloc(Math.max(1, ...chunks.map((chunk) => chunk.length)));
  for (const chunk of chunks) {
    chunk.copy(buffer);
    reader.push(buffer.subarray(0, chunk.length), true);
    buffer.fill(0x0a);
  }
}

describe('socket framing', () => {
  it('any cut of a stream of messages gives back the same messages, in order, from chunks kept or read into again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ stringUnit: 'binary' }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.boolean(),
        (values, offsets, reused) => {
          const stream = Buffer.concat(values.map(line));
          const { reader, out } = collect();
          if (reused) pushReused(reader, cut(stream, offsets));
          else for (const chunk of cut(stream, offsets)) reader.push(chunk, false);
          expect(out).toEqual(values.map((value) => JSON.parse(JSON.stringify(value))));
          expect(reader.buffered).toBe(0);
        },
      ),
    );
  });

  it('a message cut one byte at a time, through characters of several bytes, comes out whole', () => {
    const value = { text: 'é€😀\u2028'.repeat(300), n: [1, 2, 3], nl: 'a\nb' };
    const bytes = line(value);
    for (const reused of [false, true]) {
      const { reader, out } = collect();
      const chunks = Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
      if (reused) pushReused(reader, chunks);
      else for (const chunk of chunks) reader.push(chunk, false);
      expect(out).toEqual([value]);
    }
  });

  it('a line longer than the limit stops the reader, whole or in parts, ended or not', () => {
    const long = Buffer.from(`"${'x'.repeat(2000)}"`);
    const shapes: Buffer[][] = [
      [Buffer.concat([long, Buffer.from('\n')])],
      [long.subarray(0, 700), long.subarray(700, 1400), long.subarray(1400)],
      // A line that never ends.
      [long, long, long],
    ];
    for (const parts of shapes) {
      const { reader, out, tooLarge } = collect(1024);
      for (const part of parts) reader.push(part, false);
      reader.push(line({ after: 'the stop' }), false);
      expect(tooLarge).toHaveLength(1);
      expect(tooLarge[0]).toBeGreaterThan(1024);
      expect(out).toEqual([]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('a length prefix of the old framing is no message: it waits for a newline like any start of a line', () => {
    const prefix = Buffer.from([0x40, 0, 0, 0, ...Buffer.from('{"t":"join"')]);
    const { reader, out, tooLarge } = collect(1024);
    reader.push(prefix, false);
    expect(out).toEqual([]);
    expect(tooLarge).toEqual([]);
    expect(reader.buffered).toBe(prefix.length);
  });

  it('what is not JSON is reported as malformed, and the messages after it still come', () => {
    const { reader, out } = collect();
    reader.push(Buffer.concat([Buffer.from('{x}\n\n'), line([1])]), false);
    expect(out).toEqual(['MALFORMED', 'MALFORMED', [1]]);
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
    reader.push(Buffer.concat([line({ t: 1 }), line('x'.repeat(1000))]), false);
    expect(out).toEqual([{ t: 1 }, 'x'.repeat(1000)]);
  });

  it('values JSON cannot write are not encoded; every line ends with its only newline', () => {
    expect(encodeMessage(undefined)).toBeUndefined();
    expect(encodeMessage({ big: 1n })).toBeUndefined();
    const encoded = encodeMessage({ text: 'a\nb\r\n' });
    expect(encoded).toBe('{"text":"a\\nb\\r\\n"}\n');
  });
});
