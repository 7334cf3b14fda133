/**
 * The stream semantics of the contract, written once and run over every
 * transport: each test file gives a {@link StreamHarness} that starts a
 * primary and workers serving `test/fixtures/streams-app.ts`, and runs
 * {@link describeStreamSemantics} against it, the primary reading from a
 * worker and a worker reading from the primary.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NoEvents, PrimaryRpc, RpcStream, StreamOptions } from '../../src/index.js';
import type { ErrorSite } from '../../src/types.js';
import {
  type ProducerRecord,
  type ReadOutcome,
  type ReadPlan,
  readWith,
  recordHere,
  reportedHere,
  setWorkerToRead,
  type workerRouter,
} from '../fixtures/streams-app.js';

/** A worker started by a harness. */
export interface StreamHarnessWorker {
  readonly workerId: number;
  /** Ends it as abruptly as the transport allows; resolves once it is gone. */
  kill(): Promise<void>;
}

/** How one transport starts the fixture app: a primary, and workers on demand. */
export interface StreamHarness {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly primary: PrimaryRpc<typeof workerRouter, NoEvents>;
  /** Starts one more worker and resolves once it answers. */
  addWorker(): Promise<StreamHarnessWorker>;
  /** Calls and streams in flight on every side of `worker` and the primary: 0 when idle. */
  pendingAll(worker: StreamHarnessWorker): Promise<number>;
}

/** One direction: who reads, who produces. */
interface Direction {
  readonly name: string;
  /** How the producing side is named in messages. */
  readonly producedBy: () => string;
  /** What the producing side's `onError` heard. */
  reported(): Promise<ReadonlyArray<{ where: ErrorSite; message: string }>>;
  /** Reads `path` from the producing side as `plan` says. */
  read(path: string, input: unknown, plan?: ReadPlan): Promise<ReadOutcome>;
  /** What the producer tagged `tag` went through. */
  record(tag: string): Promise<ProducerRecord | null>;
}

/** Polls `read` until `done` holds for what it returns. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, withinMs = 5000): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await delay(20);
  }
}

/** The record of `tag` once its producer's `finally` ran (or what it is after 5 s). */
function finished(direction: Direction, tag: string): Promise<ProducerRecord | null> {
  return eventually(
    () => direction.record(tag),
    (record) => record?.finallyRan === true,
  );
}

let counter = 0;
function tagFor(what: string): string {
  counter++;
  return `${what}-${counter}`;
}

/**
 * Runs every stream behaviour of the contract, in both directions, over the
 * transport `harness` starts.
 */
export function describeStreamSemantics(harness: StreamHarness): void {
  let worker: StreamHarnessWorker;
  let primary: StreamHarness['primary'];

  beforeAll(async () => {
    await harness.start();
    primary = harness.primary;
    worker = await harness.addWorker();
    setWorkerToRead(worker.workerId);
  });

  afterAll(async () => {
    await harness.stop();
  });

  const primaryReads: Direction = {
    name: 'the primary reads from a worker',
    producedBy: () => `on worker ${worker.workerId}`,
    reported: async () =>
      ((await primary.call(worker.workerId, 'drive.reported')) as Array<{ where: ErrorSite; message: string }>).filter(
        (entry) => entry.where.side === 'worker',
      ),
    read: (path, input, plan = {}) =>
      readWith(
        (options) => primary.stream(worker.workerId, path as 'numbers', input as number, options),
        plan,
        (tag) => primary.call(worker.workerId, 'record', tag),
      ),
    record: (tag) => primary.call(worker.workerId, 'record', tag),
  };

  const workerReads: Direction = {
    name: 'a worker reads from the primary',
    producedBy: () => 'on the primary',
    reported: async () => reportedHere().filter((entry) => entry.where.side === 'primary'),
    read: (path, input, plan = {}) => primary.call(worker.workerId, 'drive.read', { path, input, plan }),
    record: async (tag) => recordHere(tag),
  };

  describe.each([primaryReads, workerReads])('$name', (direction) => {
    it('100,000 items arrive in order, none lost or duplicated', async () => {
      const outcome = await direction.read('numbers', 100_000);
      expect(outcome.error).toBeNull();
      expect(outcome.count).toBe(100_000);
      expect(outcome.inOrder).toBe(true);
    });

    it('items carry Date, Map, BigInt and Set as themselves, checked by the output schema', async () => {
      const outcome = await direction.read('rich', undefined, { collect: true });
      expect(outcome.error).toBeNull();
      expect(outcome.items).toEqual(
        [0, 1, 2].map((index) => ({
          at: new Date(1_700_000_000_000 + index),
          index: new Map([[`k${index}`, 2n ** 70n + BigInt(index)]]),
          big: -(10n ** 30n) - BigInt(index),
          tags: new Set(['a', `t${index}`]),
        })),
      );
      const [first] = outcome.items as Array<{ at: unknown; index: Map<string, unknown>; big: unknown }>;
      expect(first?.at).toBeInstanceOf(Date);
      expect(typeof first?.big).toBe('bigint');
    });

    it('a slow reader: the producer never makes more than highWaterMark items beyond those read', async () => {
      const tag = tagFor('slow');
      const highWaterMark = 8;
      const outcome = await direction.read(
        'endless',
        { tag, padBytes: 1024 },
        { paceMs: 5, forMs: 500, probeTag: tag, options: { highWaterMark } },
      );
      expect(outcome.error).toBeNull();
      expect(outcome.count).toBeGreaterThan(10);
      // It did run ahead (the reader never waited for a round trip per item), never further than the mark.
      expect(outcome.maxAhead).toBeGreaterThan(0);
      expect(outcome.maxAhead).toBeLessThanOrEqual(highWaterMark);
      const record = await finished(direction, tag);
      expect(record?.produced).toBeLessThanOrEqual(outcome.count + highWaterMark);
    });

    it('break after 3 items: the producer’s ctx.signal aborts and its finally runs', async () => {
      const tag = tagFor('break');
      const outcome = await direction.read('endless', { tag }, { breakAfter: 3 });
      expect(outcome).toMatchObject({ count: 3, error: null });
      const record = await finished(direction, tag);
      expect(record).toMatchObject({ finallyRan: true, abortReason: 'ABORTED', deadline: Number.POSITIVE_INFINITY });
    });

    it('break while the producer awaits work that honours ctx.signal: its finally runs at once', async () => {
      const tag = tagFor('break-await');
      const outcome = await direction.read('pause', { tag, items: 3, ms: 60_000 }, { breakAfter: 3 });
      expect(outcome).toMatchObject({ count: 3, error: null });
      const record = await finished(direction, tag);
      expect(record).toMatchObject({ finallyRan: true, abortReason: 'ABORTED', produced: 3 });
    });

    it('break while the producer awaits work that ignores ctx.signal: the signal aborts at once, finally runs once the await settles', async () => {
      const tag = tagFor('break-deaf');
      const outcome = await direction.read('pause', { tag, items: 3, ms: 300, ignoreSignal: true }, { breakAfter: 3 });
      expect(outcome).toMatchObject({ count: 3, error: null });
      const aborted = await eventually(
        () => direction.record(tag),
        (record) => record?.abortReason !== null,
      );
      expect(aborted?.abortReason).toBe('ABORTED');
      const record = await finished(direction, tag);
      expect(record?.finallyRan).toBe(true);
      expect(record?.finallyAt).toBeGreaterThan(record?.abortedAt ?? Number.POSITIVE_INFINITY);
    });

    it('the reader’s signal: the loop throws ABORTED after the items read, and the producer stops', async () => {
      const tag = tagFor('abort');
      const outcome = await direction.read('endless', { tag }, { abortAfter: 3 });
      expect(outcome.count).toBe(3);
      expect(outcome.error).toMatchObject({ code: 'ABORTED' });
      expect(outcome.error?.message).toContain("'endless'");
      expect(await finished(direction, tag)).toMatchObject({ finallyRan: true, abortReason: 'ABORTED' });
    });

    it('timeout bounds the wait for each item: TIMEOUT after the items that came in time, and the producer stops', async () => {
      const tag = tagFor('timeout');
      const outcome = await direction.read('pause', { tag, items: 2, ms: 60_000 }, { options: { timeout: 300 } });
      expect(outcome.count).toBe(2);
      expect(outcome.error).toMatchObject({ code: 'TIMEOUT' });
      expect(outcome.error?.message).toContain('No item within 300 ms');
      expect(await finished(direction, tag)).toMatchObject({ finallyRan: true, abortReason: 'TIMEOUT' });
    });

    it('timeout covers the first item too', async () => {
      const tag = tagFor('timeout-first');
      const outcome = await direction.read('pause', { tag, items: 0, ms: 60_000 }, { options: { timeout: 200 } });
      expect(outcome.count).toBe(0);
      expect(outcome.error).toMatchObject({ code: 'TIMEOUT' });
    });

    it('timeout is per item: a stream may run far longer than it', async () => {
      const tag = tagFor('timeout-long');
      const outcome = await direction.read('endless', { tag }, { paceMs: 20, forMs: 600, options: { timeout: 150 } });
      expect(outcome.error).toBeNull();
      expect(outcome.elapsedMs).toBeGreaterThanOrEqual(600);
    });

    it('the producer throws after 5 items: the reader gets the 5, then the RpcError with its code, message and data', async () => {
      const tag = tagFor('throws');
      const outcome = await direction.read('failing', { tag, after: 5 }, { collect: true });
      expect(outcome.items).toEqual([0, 1, 2, 3, 4]);
      expect(outcome.error).toMatchObject({
        code: 'STREAM_BROKE',
        message: `broke after 5 ('failing' ${direction.producedBy()})`,
        data: { at: new Date(0), after: 5 },
      });
      expect(await finished(direction, tag)).toMatchObject({ finallyRan: true, abortReason: null });
    });

    it('a plain Error thrown by the generator arrives as INTERNAL_ERROR with its message; onError hears it where it ran', async () => {
      const outcome = await direction.read('crash', undefined, { collect: true });
      expect(outcome.items).toEqual([1]);
      expect(outcome.error).toMatchObject({ code: 'INTERNAL_ERROR' });
      expect(outcome.error?.message).toContain('generator crashed');
      const heard = (await direction.reported()).filter((entry) => entry.where.path === 'crash');
      expect(heard.at(-1)).toMatchObject({
        where: { kind: 'stream', path: 'crash' },
        message: expect.stringContaining('generator crashed'),
      });
    });

    it('OUTPUT_INVALID: an item that fails .output ends the stream after the valid ones, and the generator is returned', async () => {
      const tag = tagFor('invalid');
      const outcome = await direction.read('invalid', { tag }, { collect: true });
      expect(outcome.items).toEqual([1, 2]);
      expect(outcome.error).toMatchObject({ code: 'OUTPUT_INVALID' });
      expect(outcome.error?.issues).toHaveLength(1);
      expect(await finished(direction, tag)).toMatchObject({ finallyRan: true, produced: 3 });
    });

    it('UNSERIALIZABLE: an item that cannot cross ends the stream after the ones before it', async () => {
      const outcome = await direction.read('unsendable', undefined, { collect: true });
      expect(outcome.items).toEqual([{ ok: true }]);
      expect(outcome.error).toMatchObject({ code: 'UNSERIALIZABLE' });
      expect(outcome.error?.message).toContain('item.callback is a function');
    });

    it('a procedure may return any AsyncIterable, not only a generator', async () => {
      const outcome = await direction.read('iterable', 5, { collect: true });
      expect(outcome).toMatchObject({ items: [0, 1, 2, 3, 4], error: null });
    });

    it('middlewares run around the start of a stream: they add to its ctx, or refuse it before any item', async () => {
      expect(await direction.read('guarded', { allow: true }, { collect: true })).toMatchObject({
        items: ['ada', 'guarded'],
        error: null,
      });
      expect(await direction.read('guarded', { allow: false }, { collect: true })).toMatchObject({
        items: [],
        error: { code: 'FORBIDDEN', message: `Not for you ('guarded' ${direction.producedBy()})` },
      });
    });

    it('headers reach the producer’s ctx.headers, through its middlewares; none sent reads as empty', async () => {
      const headers = { 'x-request-id': 'r-stream' };
      expect(await direction.read('headers', undefined, { collect: true, options: { headers } })).toMatchObject({
        items: [headers, headers],
        error: null,
      });
      expect(await direction.read('headers', undefined, { collect: true })).toMatchObject({ items: [{}, {}], error: null });
    });

    it('BAD_REQUEST for stream() on a plain procedure and for an input that fails the schema; NOT_FOUND for no such path', async () => {
      expect((await direction.read('plain', undefined)).error).toMatchObject({ code: 'BAD_REQUEST' });
      expect((await direction.read('plain', undefined)).error?.message).toContain('not a stream');
      expect((await direction.read('numbers', 'seven')).error).toMatchObject({ code: 'BAD_REQUEST' });
      expect((await direction.read('numbers', undefined, { options: { highWaterMark: 0 } })).error).toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect((await direction.read('missing', undefined)).error).toMatchObject({ code: 'NOT_FOUND' });
      expect((await direction.read('__proto__', undefined)).error).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  it('BAD_REQUEST for call() on a stream procedure, both ways', async () => {
    await expect(primary.call(worker.workerId, 'numbers' as 'plain')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await primary.call(worker.workerId, 'drive.call', { path: 'numbers', input: 3 })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
  });

  describe('parent: ctx', () => {
    it('a stream read inside a handler ends when that call is aborted, and its producer stops', async () => {
      // The primary calls the worker's `nested`, which reads `endless` from the primary for the call.
      const tag = tagFor('nested');
      await expect(
        primary.call(worker.workerId, 'nested', { path: 'endless', input: { tag } }, { signal: AbortSignal.timeout(200) }),
      ).rejects.toMatchObject({ code: 'ABORTED' });
      const record = await eventually(
        async () => recordHere(tag),
        (found) => found?.finallyRan === true,
      );
      expect(record).toMatchObject({ finallyRan: true, abortReason: 'ABORTED' });
    });

    it('the other way: a worker’s call to the primary, whose handler reads from the worker', async () => {
      const tag = tagFor('nested-w');
      const outcome = await primary.call(worker.workerId, 'drive.call', {
        path: 'nested',
        input: { path: 'endless', input: { tag } },
        abortAfterMs: 200,
      });
      expect(outcome).toMatchObject({ ok: false, code: 'ABORTED' });
      const record = await eventually(
        () => primary.call(worker.workerId, 'record', tag),
        (found) => found?.finallyRan === true,
      );
      expect(record).toMatchObject({ finallyRan: true, abortReason: 'ABORTED' });
    });

    it('a stream read inside a handler ends by that call’s deadline, which is its producer’s ctx.deadline', async () => {
      const tag = tagFor('nested-deadline');
      const started = Date.now();
      // Either end may notice the deadline first: the caller's timeout, or the stream's own.
      const code = await primary.call(worker.workerId, 'nested', { path: 'endless', input: { tag } }, { timeout: 300 }).then(
        (outcome) => outcome.error?.code,
        (error: { code?: string }) => error.code,
      );
      expect(code).toBe('TIMEOUT');
      const record = await eventually(
        async () => recordHere(tag),
        (found) => found?.finallyRan === true,
      );
      expect(record?.finallyRan).toBe(true);
      expect(['ABORTED', 'TIMEOUT']).toContain(record?.abortReason);
      expect(record?.deadline).toBeGreaterThanOrEqual(started + 250);
      expect(record?.deadline).toBeLessThanOrEqual(Date.now() + 50);
    });

    it('a stream read inside a handler runs to its end when the call has time', async () => {
      expect(await primary.call(worker.workerId, 'nested', { path: 'numbers', input: 1000 })).toMatchObject({
        count: 1000,
        inOrder: true,
        error: null,
      });
    });
  });

  describe('bookkeeping', () => {
    it('pendingCount() counts open streams, and drops them once stopped', async () => {
      const streams: Array<RpcStream<unknown>> = [];
      for (let index = 0; index < 10; index++) {
        streams.push(primary.stream(worker.workerId, 'endless', { tag: tagFor('pending'), untracked: true }));
      }
      await Promise.all(streams.map((stream) => stream.next()));
      // Ten streams read here, ten served there.
      expect(await harness.pendingAll(worker)).toBe(20);
      await Promise.all(streams.map((stream) => stream.return()));
      expect(
        await eventually(
          () => harness.pendingAll(worker),
          (pending) => pending === 0,
        ),
      ).toBe(0);
    });

    it('1,000 concurrent streams opened and stopped, five times over, both ways: nothing pending, no listener left', async () => {
      const controller = new AbortController();
      // One signal for 1,000 streams is this test's choice: no leak to warn about.
      setMaxListeners(0, controller.signal);
      const options: StreamOptions = { signal: controller.signal, timeout: 10_000 };
      for (let round = 0; round < 5; round++) {
        const streams = Array.from({ length: 1000 }, (_, index) =>
          primary.stream(worker.workerId, 'endless', { tag: `churn-${index}`, untracked: true }, options),
        );
        const firsts = await Promise.all(streams.map((stream) => stream.next()));
        expect(firsts.every((first) => first.done === false)).toBe(true);
        await Promise.all(streams.map((stream) => stream.return()));
      }
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(await primary.call(worker.workerId, 'drive.churn', { count: 1000, rounds: 5 })).toBe(0);
      expect(
        await eventually(
          () => harness.pendingAll(worker),
          (pending) => pending === 0,
        ),
      ).toBe(0);
    });
  });

  describe('the other side dies mid-stream', () => {
    it('the producer dies: the reader’s loop throws DISCONNECTED after the items it read', async () => {
      const doomed = await harness.addWorker();
      const reading = readWith((options) => primary.stream(doomed.workerId, 'endless', { tag: tagFor('doomed') }, options), {
        paceMs: 10,
      });
      await delay(200);
      await doomed.kill();
      const outcome = await reading;
      expect(outcome.count).toBeGreaterThan(0);
      expect(outcome.error).toMatchObject({ code: 'DISCONNECTED' });
      expect(harness.primary).toBeDefined();
    });

    it('the reader dies: the producer’s signal aborts with DISCONNECTED and its generator is returned', async () => {
      const doomed = await harness.addWorker();
      const tag = tagFor('reader-dies');
      void primary.call(doomed.workerId, 'drive.read', { path: 'endless', input: { tag }, plan: { paceMs: 10 } }).catch(() => {});
      await eventually(
        async () => recordHere(tag),
        (record) => (record?.produced ?? 0) > 5,
      );
      await doomed.kill();
      const record = await eventually(
        async () => recordHere(tag),
        (found) => found?.finallyRan === true,
      );
      expect(record).toMatchObject({ finallyRan: true, abortReason: 'DISCONNECTED' });
    });
  });
}
