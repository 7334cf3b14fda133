/**
 * `Deadlines`, the per-timeout-length lists that replace a timer per call:
 * entries expire once, in order, not before their time, and removed entries
 * never expire.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Deadlines, type Expiring } from '../../src/engine/deadlines.js';

interface Entry extends Expiring {
  readonly name: string;
}

function entry(name: string): Entry {
  return { name, expiresAt: 0, older: undefined, newer: undefined, line: undefined };
}

function recorder(): { deadlines: Deadlines<Entry>; expired: Array<{ name: string; lateMs: number }> } {
  const expired: Array<{ name: string; lateMs: number }> = [];
  const deadlines = new Deadlines<Entry>((gone) => expired.push({ name: gone.name, lateMs: performance.now() - gone.expiresAt }));
  return { deadlines, expired };
}

describe('Deadlines', () => {
  it('expires entries of one length in the order they were added, none early', async () => {
    const { deadlines, expired } = recorder();
    for (const name of ['a', 'b', 'c']) {
      deadlines.add(entry(name), 30);
      await delay(5);
    }
    await delay(80);
    expect(expired.map((gone) => gone.name)).toEqual(['a', 'b', 'c']);
    for (const gone of expired) expect(gone.lateMs).toBeGreaterThanOrEqual(0);
  });

  it('never expires a removed entry, wherever it sat in its line', async () => {
    const { deadlines, expired } = recorder();
    const entries = ['first', 'middle', 'last', 'kept'].map(entry);
    for (const each of entries) deadlines.add(each, 20);
    deadlines.remove(entries[1] as Entry);
    deadlines.remove(entries[0] as Entry);
    deadlines.remove(entries[2] as Entry);
    deadlines.remove(entries[2] as Entry); // twice is harmless
    await delay(60);
    expect(expired.map((gone) => gone.name)).toEqual(['kept']);
  });

  it('keeps lengths apart: a short timeout added later expires first', async () => {
    const { deadlines, expired } = recorder();
    deadlines.add(entry('long'), 60);
    deadlines.add(entry('short'), 10);
    await delay(100);
    expect(expired.map((gone) => gone.name)).toEqual(['short', 'long']);
  });

  it('goes on working after a line emptied and its timer fired', async () => {
    const { deadlines, expired } = recorder();
    const early = entry('early');
    deadlines.add(early, 10);
    deadlines.remove(early);
    await delay(30);
    deadlines.add(entry('later'), 10);
    await delay(40);
    expect(expired.map((gone) => gone.name)).toEqual(['later']);
  });
});
