/**
 * Streams over cluster IPC, against real forked workers: this test file is
 * the primary. The stream semantics are the shared suite's; this file adds
 * what needs real processes: flat memory under a slow reader, batching on
 * the channel, closing an rpc object mid-stream, and hostile frames from a
 * peer that speaks the protocol by hand.
 */
import cluster, { type Worker } from 'node:cluster';
import { setTimeout as delay } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/wire/protocol.js';
import { type ProducerRecord, type ReadOutcome, readWith, recordHere } from '../fixtures/streams-app.js';
import { exited, fixture } from '../helpers/cluster.js';
import { forkedStreamHarness } from '../suites/forked-harnesses.js';
import { describeStreamSemantics } from '../suites/stream-semantics.js';

/** Forks a streams worker (with `--expose-gc`, so its memory figures come after a full collection). */
function forkStreamsWorker(): Worker {
  cluster.setupPrimary({ exec: fixture('streams-worker.ts'), execArgv: ['--import', 'tsx', '--expose-gc'], silent: false });
  return cluster.fork();
}

const { harness: clusterIpc, rpc: current } = forkedStreamHarness('cluster IPC', forkStreamsWorker);

/** A streams worker that answers. */
async function startStreamsWorker(): Promise<Worker> {
  const worker = forkStreamsWorker();
  await current().primary.call(worker, 'plain');
  return worker;
}

describe('over cluster IPC', () => {
  describeStreamSemantics(clusterIpc);

  describe('with real processes', () => {
    let worker: Worker;
    const gc: () => void = (() => {
      v8.setFlagsFromString('--expose-gc');
      return runInNewContext('gc') as () => void;
    })();
    const rssHere = (): number => {
      gc();
      return process.memoryUsage().rss;
    };

    beforeAll(async () => {
      worker = await startStreamsWorker();
    });

    it('a slow reader and a producer that could make thousands of 16 KiB items a second: memory stays flat on both sides', async () => {
      const MiB = 2 ** 20;
      const highWaterMark = 16;
      const primary = current().primary;
      for (const direction of ['primary reads', 'worker reads'] as const) {
        const tag = `rss-${direction}`;
        const plan = { paceMs: 10, forMs: 3000, probeTag: tag, options: { highWaterMark } };
        const input = { tag, padBytes: 16 * 1024 };
        const reading: Promise<ReadOutcome> =
          direction === 'primary reads'
            ? readWith(
                (options) => primary.stream(worker, 'endless', input, options),
                plan,
                (probed) => primary.call(worker, 'record', probed),
              )
            : primary.call(worker, 'drive.read', { path: 'endless', input, plan });
        // Once the pipe is full and both sides are warm; then again at the end.
        await delay(600);
        const before = { here: rssHere(), there: await primary.call(worker, 'drive.memory') };
        const outcome = await reading;
        const after = { here: rssHere(), there: await primary.call(worker, 'drive.memory') };
        expect(outcome.error).toBeNull();
        expect(outcome.count).toBeGreaterThan(100);
        expect(outcome.maxAhead).toBeLessThanOrEqual(highWaterMark);
        // Without flow control the producer would have made ~3 s of 16 KiB items: hundreds of MiB.
        expect((after.here - before.here) / MiB, `${direction}: the primary's RSS growth in MiB`).toBeLessThan(24);
        expect((after.there - before.there) / MiB, `${direction}: the worker's RSS growth in MiB`).toBeLessThan(24);
        const record: ProducerRecord | null =
          direction === 'primary reads' ? await primary.call(worker, 'record', tag) : recordHere(tag);
        expect(record?.produced).toBeLessThanOrEqual(outcome.count + highWaterMark);
      }
    });

    it('small items travel many to a message; large ones one to a message', async () => {
      let messages = 0;
      const count = (message: unknown): void => {
        if (typeof message === 'object' && message !== null && '$crpc' in message) messages++;
      };
      worker.on('message', count);
      try {
        const small = await readWith((options) => current().primary.stream(worker, 'numbers', 10_000, options), {
          options: { highWaterMark: 1024 },
        });
        expect(small).toMatchObject({ count: 10_000, inOrder: true, error: null });
        expect(messages).toBeLessThan(200);

        messages = 0;
        const large = await readWith(
          (options) => current().primary.stream(worker, 'endless', { tag: 'large', padBytes: 100_000 }, options),
          { breakAfter: 4 },
        );
        expect(large.count).toBe(4);
        expect(messages).toBeGreaterThanOrEqual(4);
      } finally {
        worker.off('message', count);
      }
    });

    it('the heap of the reading side ends where it started after 10 rounds of 1,000 streams', async () => {
      const primary = current().primary;
      const round = async (): Promise<void> => {
        const streams = Array.from({ length: 1000 }, (_, index) =>
          primary.stream(worker, 'endless', { tag: `heap-${index}`, untracked: true }),
        );
        await Promise.all(streams.map((stream) => stream.next()));
        await Promise.all(streams.map((stream) => stream.return()));
      };
      await round();
      await round();
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let index = 0; index < 10; index++) await round();
      gc();
      const after = process.memoryUsage().heapUsed;
      expect(current().pendingCount()).toBe(0);
      expect((after - before) / 2 ** 20).toBeLessThan(2);
    });

    it('a worker closing its rpc object ends the streams it serves with SHUTTING_DOWN, and stops the ones it reads', async () => {
      const closing = await startStreamsWorker();
      const primary = current().primary;
      const reading = readWith((options) => primary.stream(closing, 'endless', { tag: 'closing-producer' }, options), {
        paceMs: 5,
      });
      const tag = 'closing-reader';
      const read = primary.call(closing, 'drive.read', { path: 'endless', input: { tag }, plan: { paceMs: 5 } });
      read.catch(() => undefined);
      await delay(200);
      expect(await primary.call(closing, 'drive.close')).toBe('closing');
      const outcome = await reading;
      expect(outcome.count).toBeGreaterThan(0);
      expect(outcome.error).toMatchObject({ code: 'SHUTTING_DOWN' });
      await expect(read).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
      await delay(100);
      expect(recordHere(tag)).toMatchObject({ finallyRan: true, abortReason: 'SHUTTING_DOWN' });
      closing.process.kill('SIGKILL');
      await exited(closing);
    });
  });

  describe('hostile frames', () => {
    let raw: Worker;
    let normal: Worker;

    beforeAll(async () => {
      cluster.setupPrimary({ exec: fixture('raw-peer.ts'), execArgv: ['--import', 'tsx'], silent: false });
      raw = cluster.fork();
      await current().primary.call(raw, 'plain');
      normal = await startStreamsWorker();
    });

    afterAll(() => {
      raw.process.kill('SIGKILL');
    });

    const feed = (mode: string): Promise<ReadOutcome> =>
      readWith((options) => current().primary.stream(raw, 'feed' as 'endless', { mode } as never, options), {
        collect: true,
        options: { timeout: 2000 },
      });

    it('items, ends and errors after the end are dropped: the reader sees the items before the end, then done', async () => {
      expect(await feed('after-end')).toMatchObject({ items: [0, 1, 2], error: null });
      expect(current().pendingCount()).toBe(0);
    });

    it('items for streams nobody opened are dropped', async () => {
      expect(await feed('unknown-ids')).toMatchObject({ items: [0, 1], error: null });
    });

    it('malformed stream envelopes are dropped by the gate', async () => {
      expect(await feed('malformed')).toMatchObject({ items: [0, 1, 2], error: null });
    });

    it('more items than granted end the stream instead of growing its buffer', async () => {
      const outcome = await feed('overflow');
      expect(outcome.items).toEqual([]);
      expect(outcome.error).toMatchObject({ code: 'INTERNAL_ERROR' });
      expect(outcome.error?.message).toContain('more than it was granted');
      expect(current().pendingCount()).toBe(0);
    });

    it('an item that cannot be decoded ends the stream with UNSERIALIZABLE after the ones before it', async () => {
      const outcome = await feed('undecodable');
      expect(outcome.items).toEqual([0]);
      expect(outcome.error).toMatchObject({ code: 'UNSERIALIZABLE' });
    });

    it('a credit flood and credit out of range never let the primary’s producer run more than its high-water mark ahead', async () => {
      const tag = 'raw-consumer';
      raw.send({ rawPeer: 'consume', tag });
      // Until the producer has stopped making items: the flood came and was used up.
      let produced = -1;
      for (;;) {
        await delay(250);
        const now = recordHere(tag)?.produced ?? 0;
        if (now > 4 && now === produced) break;
        produced = now;
      }
      const report = await new Promise<{ items: number; ended: boolean }>((resolve) => {
        const listen = (message: { rawPeerReport?: { items: number; ended: boolean } }): void => {
          if (!message?.rawPeerReport) return;
          raw.off('message', listen);
          resolve(message.rawPeerReport);
        };
        raw.on('message', listen);
        raw.send({ rawPeer: 'report' });
      });
      // Credit 4 from the open; then the flood, held to at most 4 at a time.
      expect(produced).toBeLessThanOrEqual(8);
      expect(report).toEqual({ items: produced, ended: false });
      raw.send({ rawPeer: 'stop' });
      await delay(200);
      expect(recordHere(tag)).toMatchObject({ finallyRan: true, abortReason: 'ABORTED' });
      expect(current().pendingCount()).toBe(0);
    });

    it('the same towards a worker: credit floods, bad credit and items for unknown ids from the primary’s side', async () => {
      const id = 'primary-as-raw-consumer';
      const sendRaw = (...envelopes: unknown[]): void => void normal.send({ $crpc: PROTOCOL_VERSION, m: envelopes });
      sendRaw(['open', id, 'endless', -1, 4, [{ tag: 'raw-towards-worker' }]]);
      await delay(200);
      sendRaw(...Array.from({ length: 1000 }, () => ['credit', id, 1]));
      sendRaw(['credit', id, -1], ['credit', id, 1e15], ['credit', id, 0.5], ['credit', 'nobody', 3]);
      sendRaw(['items', 'nobody', [[1]]], ['end', 'nobody'], ['items', id, [[1]]]);
      await delay(200);
      const record = await current().primary.call(normal, 'record', 'raw-towards-worker');
      expect(record?.produced).toBeLessThanOrEqual(8);
      sendRaw(['cancel', id, 'ABORTED']);
      await delay(100);
      expect(await current().primary.call(normal, 'record', 'raw-towards-worker')).toMatchObject({
        finallyRan: true,
        abortReason: 'ABORTED',
      });
      expect(await current().primary.call(normal, 'drive.pending')).toBe(0);
      // Still serving: nothing crashed.
      expect(await current().primary.call(normal, 'plain')).toBe('plain');
      expect(normal.isDead()).toBe(false);
    });
  });
});
