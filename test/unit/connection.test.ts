/**
 * The outbox of a `Connection` under backpressure, over a scripted link: calls
 * and small answers wait while the channel is congested (calls are dropped if
 * they time out meanwhile), large answers go on at once, and what was held
 * leaves once the write that congested the channel completes, however many
 * answers were queued after it.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/connection.js';
import { call, type Envelope, type Frame, ok } from '../../src/protocol.js';
import type { PeerLink, SendResult } from '../../src/transport.js';

/** An answer this large is not held by congestion (a batch's worth of bytes). */
const LARGE = 64 * 1024;

/** A link that answers with the scripted results, and keeps every frame and its completion callback. */
function scriptedLink(results: SendResult[]): {
  link: PeerLink;
  frames: Frame[];
  complete: Array<(error: Error | null) => void>;
} {
  const frames: Frame[] = [];
  const complete: Array<(error: Error | null) => void> = [];
  const link: PeerLink = {
    info: { side: 'worker', workerId: 1, pid: 1, host: 'test' },
    send(frame, done) {
      frames.push(frame);
      complete.push(done);
      return results.shift() ?? 'sent';
    },
  };
  return { link, frames, complete };
}

const kinds = (frame: Frame | undefined): string[] => (frame?.m ?? []).map((envelope: Envelope) => envelope[0]);
const endOfTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Connection outbox under backpressure', () => {
  it('holds calls and small answers but lets large answers through, then sends what was held once the congesting write completes', async () => {
    const { link, frames, complete } = scriptedLink(['congested']);
    const conn = new Connection(link);
    conn.markReady();
    void conn.pending.open('a', conn.site('x'), 10_000, []).catch(() => undefined);
    conn.send(call('a', 'x', 10_000, [1]));
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call']]); // this write congests the channel

    void conn.pending.open('b', conn.site('x'), 10_000, []).catch(() => undefined);
    conn.send(call('b', 'x', 10_000, [2]));
    conn.send(ok('small', [3]), 100);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call']]); // the call and the small answer wait

    conn.send(ok('large-1', [4]), LARGE);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok']]); // the answers leave, the call does not
    conn.send(ok('large-2', [5]), LARGE);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok'], ['ok']]);

    // Node writes in order: once the congesting write completes the held call leaves,
    // without waiting for the answers queued after it.
    complete[0]?.(null);
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok'], ['ok'], ['call']]);
    expect(frames[3]?.m[0]?.[1]).toBe('b');
    conn.pending.rejectAll(() => new Error('done') as never);
  });

  it('drops a held call whose caller stopped waiting, and still sends its cancel', async () => {
    const { link, frames, complete } = scriptedLink(['congested']);
    const conn = new Connection(link);
    conn.markReady();
    conn.send(ok('first', [0]), LARGE);
    await endOfTick();
    const gaveUp = conn.pending.open('late', conn.site('x'), 10_000, []).catch((error: { code?: string }) => error.code);
    conn.send(call('late', 'x', 10_000, [1]));
    conn.pending.giveUp('late', 'TIMEOUT');
    expect(await gaveUp).toBe('TIMEOUT');
    complete[0]?.(null);
    expect(frames.map(kinds)).toEqual([['ok'], ['cancel']]);
  });

  it('whenWritten waits for every frame handed to the link, answers sent while congested included', async () => {
    const { link, complete } = scriptedLink(['congested']);
    const conn = new Connection(link);
    conn.markReady();
    conn.send(ok('one', [1]), LARGE);
    await endOfTick();
    conn.send(ok('two', [2]), LARGE);
    await endOfTick();
    let written = false;
    const waiting = conn.whenWritten().then(() => {
      written = true;
    });
    complete[0]?.(null);
    await endOfTick();
    expect(written).toBe(false);
    complete[1]?.(null);
    await waiting;
    expect(written).toBe(true);
  });
});
