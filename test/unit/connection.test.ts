/**
 * The outbox of a `Peer` under backpressure, over a scripted link: calls
 * and small answers wait while the channel is congested (calls are dropped if
 * they time out meanwhile), large answers go on at once, and what was held
 * leaves once the write that congested the channel completes, however many
 * answers were queued after it.
 */
import { describe, expect, it } from 'vitest';
import { Peer } from '../../src/engine/peer.js';
import type { PeerLink, SendResult } from '../../src/transport.js';
import { call, type Envelope, type Frame, ok } from '../../src/wire/protocol.js';

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

describe('Peer outbox under backpressure', () => {
  it('holds calls and small answers but lets large answers through, then sends what was held once the congesting write completes', async () => {
    const { link, frames, complete } = scriptedLink(['congested']);
    const peer = new Peer(link);
    peer.markReady();
    void peer.pending.open('a', peer.site('x'), 10_000, []).catch(() => undefined);
    peer.send(call('a', 'x', 10_000, [1]));
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call']]); // this write congests the channel

    void peer.pending.open('b', peer.site('x'), 10_000, []).catch(() => undefined);
    peer.send(call('b', 'x', 10_000, [2]));
    peer.send(ok('small', [3]), 100);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call']]); // the call and the small answer wait

    peer.send(ok('large-1', [4]), LARGE);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok']]); // the answers leave, the call does not
    peer.send(ok('large-2', [5]), LARGE);
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok'], ['ok']]);

    // Node writes in order: once the congesting write completes the held call leaves,
    // without waiting for the answers queued after it.
    complete[0]?.(null);
    expect(frames.map(kinds)).toEqual([['call'], ['ok', 'ok'], ['ok'], ['call']]);
    expect(frames[3]?.m[0]?.[1]).toBe('b');
    peer.pending.rejectAll(() => new Error('done') as never);
  });

  it('drops a held call whose caller stopped waiting, and still sends its cancel', async () => {
    const { link, frames, complete } = scriptedLink(['congested']);
    const peer = new Peer(link);
    peer.markReady();
    peer.send(ok('first', [0]), LARGE);
    await endOfTick();
    const gaveUp = peer.pending.open('late', peer.site('x'), 10_000, []).catch((error: { code?: string }) => error.code);
    peer.send(call('late', 'x', 10_000, [1]));
    peer.pending.giveUp('late', 'TIMEOUT');
    expect(await gaveUp).toBe('TIMEOUT');
    complete[0]?.(null);
    expect(frames.map(kinds)).toEqual([['ok'], ['cancel']]);
  });

  it('whenWritten waits for every frame handed to the link, answers sent while congested included', async () => {
    const { link, complete } = scriptedLink(['congested']);
    const peer = new Peer(link);
    peer.markReady();
    peer.send(ok('one', [1]), LARGE);
    await endOfTick();
    peer.send(ok('two', [2]), LARGE);
    await endOfTick();
    let written = false;
    const waiting = peer.whenWritten().then(() => {
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

describe('Peer outbox with a transport that completes writes inside send()', () => {
  it('does not stall when `done` ran before `send()` returned congested', async () => {
    const frames: Frame[] = [];
    const link: PeerLink = {
      info: { side: 'worker', workerId: 1, pid: 1, host: 'test' },
      send(frame, done) {
        frames.push(frame);
        done(null);
        return 'congested';
      },
    };
    const peer = new Peer(link);
    peer.markReady();
    peer.send(ok('first', [1]));
    await endOfTick();
    peer.send(ok('second', [2]));
    await endOfTick();
    expect(frames.map(kinds)).toEqual([['ok'], ['ok']]);
    await peer.whenWritten();
  });
});
