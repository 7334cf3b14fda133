/**
 * The outbox against a transport that reports a `sent` write done inside
 * `send` (as the socket transport does) and a `congested` one later: held
 * calls wait for that later `done`, leave in order, timed-out ones are never
 * written, and `whenWritten` resolves once every write is reported.
 */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/engine/outbox.js';
import type { PeerLink, SendResult } from '../../src/transports/transport.js';
import type { Envelope, Frame } from '../../src/wire/protocol.js';

/** A link whose results are scripted: `sent` calls `done` at once, `congested` keeps it for {@link drain}. */
function scriptedLink(results: SendResult[]) {
  const frames: string[][] = [];
  const pending: Array<(error: Error | null) => void> = [];
  const link: PeerLink = {
    info: { side: 'primary' },
    send(sent: Frame, done) {
      const envelopes = (sent as unknown as { m: Envelope[] }).m;
      frames.push(envelopes.map((envelope) => String(envelope[1])));
      const result = results.shift() ?? 'sent';
      if (result === 'sent' && pending.length === 0) done(null);
      else if (result !== 'closed') pending.push(done);
      return result;
    },
  };
  const drain = (): void => {
    for (const done of pending.splice(0)) done(null);
  };
  return { link, frames, drain };
}

const call = (id: string): Envelope => ['call', id, 'echo', 1000, []];
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('outbox', () => {
  it('a transport that reports sent writes done inside send: batches leave per turn and whenWritten resolves', async () => {
    const { link, frames } = scriptedLink([]);
    const outbox = new Outbox(
      link,
      () => true,
      () => 'the test',
    );
    outbox.push(call('a'), 10);
    outbox.push(call('b'), 10);
    await nextTurn();
    outbox.push(call('c'), 10);
    await outbox.whenWritten();
    expect(frames).toEqual([['a', 'b'], ['c']]);
  });

  it('after congested, calls wait for that write done, leave in order, and the ones given up are never written', async () => {
    const { link, frames, drain } = scriptedLink(['congested']);
    const givenUp = new Set(['c']);
    const outbox = new Outbox(
      link,
      (envelope) => !givenUp.has(String(envelope[1])),
      () => 'the test',
    );
    outbox.push(call('a'), 10);
    await nextTurn();
    outbox.push(call('b'), 10);
    outbox.push(call('c'), 10);
    outbox.push(call('d'), 10);
    await nextTurn();
    expect(frames).toEqual([['a']]);
    let written = false;
    void outbox.whenWritten().then(() => {
      written = true;
    });
    await nextTurn();
    expect(written).toBe(false);
    drain();
    await outbox.whenWritten();
    expect(frames).toEqual([['a'], ['b', 'd']]);
  });
});
