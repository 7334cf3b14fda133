/**
 * The call semantics of the contract, written once and run over every
 * transport: each test file gives a {@link CallHarness} that starts a primary
 * and one worker serving `test/fixtures/app.ts`, and runs
 * {@link describeCallSemantics} against it, primary→worker and worker→primary.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOptions, PeerInfo, PrimaryRpc } from '../../src/index.js';
import {
  abortReasonHere,
  DEFAULT_TIMEOUT_MS,
  type events,
  MAX_PAYLOAD_BYTES,
  type Outcome,
  outcomeOf,
  type ReportedError,
  reportedHere,
  setWorkerForNested,
  type workerRouter,
} from '../fixtures/app.js';

/** A worker started by a harness. */
export interface HarnessWorker {
  readonly workerId: number;
  /** Who the worker is, as the primary's `ctx.caller` sees it. */
  readonly info: PeerInfo;
  /** Ends it as abruptly as the transport allows; resolves once it is gone. */
  kill(): Promise<void>;
}

/** How one transport starts the fixture app: a primary, and workers on demand. */
export interface CallHarness {
  readonly name: string;
  /** Starts the primary; `primary` is usable once it resolves. */
  start(): Promise<void>;
  /** Stops everything it started. */
  stop(): Promise<void>;
  /** The primary's API. */
  readonly primary: PrimaryRpc<typeof workerRouter, typeof events>;
  /** Starts one more worker and resolves once it answers. */
  addWorker(): Promise<HarnessWorker>;
  /** Calls in flight on the primary's side. */
  pendingCount(): number;
}

interface CallExtras {
  readonly timeout?: number;
  readonly abortAfterMs?: number;
  readonly special?: 'function-input' | 'big-input';
  /** Given as `options.headers` as it is, even when it is not a valid one. */
  readonly headers?: unknown;
}

/** One direction of calls, seen from the test. */
interface Direction {
  readonly name: string;
  /** How the serving side is named in messages. */
  readonly servedBy: () => string;
  /** How the calling side is named in messages: where a nested call from the handler goes. */
  readonly callsBack: () => string;
  /** Which side serves. */
  readonly servingSide: 'primary' | 'worker';
  /** What the serving side's `onError` heard so far. */
  reported(): Promise<readonly ReportedError[]>;
  /** The caller as the serving side's `ctx.caller` should describe it. */
  readonly expectedCaller: () => unknown;
  call(path: string, input?: unknown, extras?: CallExtras): Promise<Outcome>;
  /** What the serving side's `slow` handler saw as the abort reason for `tag`. */
  abortReason(tag: string): Promise<unknown>;
}

/**
 * Runs every call behaviour of the contract, in both directions, over the
 * transport `harness` starts.
 */
export function describeCallSemantics(harness: CallHarness): void {
  let worker: HarnessWorker;
  let rpc: { readonly primary: CallHarness['primary']; pendingCount(): number };

  beforeAll(async () => {
    await harness.start();
    rpc = { primary: harness.primary, pendingCount: () => harness.pendingCount() };
    worker = await harness.addWorker();
    setWorkerForNested(worker.workerId);
  });

  afterAll(async () => {
    await harness.stop();
  });

  const primaryToWorker: Direction = {
    name: 'primary → worker',
    servedBy: () => `on worker ${worker.workerId}`,
    callsBack: () => 'on the primary',
    servingSide: 'worker',
    reported: async () =>
      ((await rpc.primary.call(worker.workerId, 'drive.reported')) as readonly ReportedError[]).filter(
        (entry) => entry.where.side === 'worker',
      ),
    expectedCaller: () => ({ side: 'primary' }),
    call(path, input, extras = {}) {
      const controller = new AbortController();
      if (extras.abortAfterMs !== undefined) setTimeout(() => controller.abort(new Error('test aborted')), extras.abortAfterMs);
      const value =
        extras.special === 'function-input'
          ? { callback: () => 1 }
          : extras.special === 'big-input'
            ? 'x'.repeat(MAX_PAYLOAD_BYTES * 2)
            : input;
      const options = { timeout: extras.timeout, signal: controller.signal, headers: extras.headers } as CallOptions;
      return outcomeOf(rpc.primary.call(worker.workerId, path as 'echo', value, options));
    },
    abortReason: (tag) => rpc.primary.call(worker.workerId, 'abortReason', tag),
  };

  const workerToPrimary: Direction = {
    name: 'worker → primary',
    servedBy: () => 'on the primary',
    callsBack: () => `on worker ${worker.workerId}`,
    servingSide: 'primary',
    reported: async () => reportedHere().filter((entry) => entry.where.side === 'primary'),
    expectedCaller: () => worker.info,
    async call(path, input, extras = {}) {
      return (await rpc.primary.call(worker.workerId, 'drive.call', { path, input, ...extras })) as Outcome;
    },
    abortReason: async (tag) => abortReasonHere(tag),
  };

  /** Polls `read` until it returns something other than null. */
  async function eventually<T>(read: () => Promise<T | null>, withinMs = 5000): Promise<T | null> {
    const until = Date.now() + withinMs;
    for (;;) {
      const value = await read();
      if (value !== null || Date.now() > until) return value;
      await delay(20);
    }
  }

  function expectFailure(outcome: Outcome, code: string): Extract<Outcome, { ok: false }> {
    if (outcome.ok) throw new Error(`expected ${code}, got the value ${JSON.stringify(outcome.value)}`);
    expect(outcome).toMatchObject({ isRpcError: true, code });
    return outcome;
  }

  describe.each([primaryToWorker, workerToPrimary])('$name', (direction) => {
    it('returns plain JSON results', async () => {
      expect(await direction.call('add', { a: 2, b: 3 })).toEqual({ ok: true, value: 5 });
      expect(await direction.call('none')).toEqual({ ok: true, value: 'none' });
    });

    it('carries Date, Map, Set, BigInt, undefined and RegExp both ways as themselves', async () => {
      const value = {
        at: new Date(1_700_000_000_000),
        index: new Map<string, Set<bigint>>([['ids', new Set([1n, 2n ** 70n])]]),
        missing: undefined,
        pattern: /cluster-rpc/gi,
        nested: [new Date(0), { deep: new Map([[1, 'one']]) }],
      };
      const outcome = await direction.call('echo', value);
      expect(outcome).toEqual({ ok: true, value });
      const echoed = (outcome as { value: typeof value }).value;
      expect(echoed.at).toBeInstanceOf(Date);
      expect(echoed.index.get('ids')?.has(2n ** 70n)).toBe(true);
      expect('missing' in echoed).toBe(true);
      expect(echoed.pattern.flags).toBe('gi');
    });

    it('serves a procedure named toString, and passes ctx with the caller, deadline and request id', async () => {
      expect(await direction.call('toString')).toEqual({ ok: true, value: 'a procedure named toString' });
      const before = Date.now();
      const outcome = await direction.call('ctx', undefined, { timeout: 5000 });
      const ctx = (outcome as { value: { requestId: string; caller: unknown; deadline: number; path: string } }).value;
      expect(ctx.caller).toEqual(direction.expectedCaller());
      expect(ctx.path).toBe('ctx');
      expect(ctx.requestId).toMatch(/^[\w-]{21}$/);
      expect(ctx.deadline).toBeGreaterThanOrEqual(before + 4000);
      expect(ctx.deadline).toBeLessThanOrEqual(Date.now() + 5000);
    });

    it('headers reach ctx.headers in the handler and its middlewares; none sent reads as empty', async () => {
      const headers = { 'x-request-id': 'r-42', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
      expect(await direction.call('headers', undefined, { headers })).toEqual({
        ok: true,
        value: { handler: headers, middleware: headers },
      });
      expect(await direction.call('headers')).toEqual({ ok: true, value: { handler: {}, middleware: {} } });
    });

    it('a call made with { parent: ctx } carries the parent headers, unless it gives its own', async () => {
      const headers = { 'x-request-id': 'r-parent' };
      const inherited = await direction.call('nested', { path: 'headers', input: undefined }, { headers });
      expect(inherited).toEqual({ ok: true, value: { ok: true, value: { handler: headers, middleware: headers } } });
      const own = { 'x-request-id': 'r-child' };
      const replaced = await direction.call('nested', { path: 'headers', input: undefined, headers: own }, { headers });
      expect(replaced).toEqual({ ok: true, value: { ok: true, value: { handler: own, middleware: own } } });
    });

    it.each([
      ['a number value', { 'x-retries': 3 }],
      ['an array', ['x-request-id', 'r-1']],
      ['more than 8 KiB', { big: 'x'.repeat(8 * 1024) }],
    ])('BAD_REQUEST: headers with %s are refused before anything is sent', async (_what, headers) => {
      const before = await direction.call('counted');
      const failure = expectFailure(await direction.call('count', undefined, { headers }), 'BAD_REQUEST');
      expect(failure.message).toContain('options.headers');
      expect(await direction.call('counted')).toEqual(before);
    });

    it('BAD_REQUEST: an input that fails the schema never reaches the handler, and the issues come back', async () => {
      const failure = expectFailure(await direction.call('add', { a: 'two', b: 3 }), 'BAD_REQUEST');
      expect(failure.message).toContain(`'add' ${direction.servedBy()}`);
      expect(failure.issues).toEqual([expect.objectContaining({ path: ['a'] })]);
    });

    it('BAD_REQUEST: an input given to a procedure that takes none', async () => {
      const failure = expectFailure(await direction.call('none', 42), 'BAD_REQUEST');
      expect(failure.message).toContain('takes no input');
    });

    it.each(['missing', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'echo.__proto__', 'fail', 'fail.', ''])(
      'NOT_FOUND: %j is not a procedure',
      async (path) => {
        const failure = expectFailure(await direction.call(path), 'NOT_FOUND');
        expect(failure.message).toContain(direction.servedBy());
      },
    );

    it('INTERNAL_ERROR: a thrown Error keeps its message', async () => {
      const failure = expectFailure(await direction.call('fail.internal'), 'INTERNAL_ERROR');
      expect(failure.message).toContain('boom');
      expect(failure.message).toContain(`'fail.internal' ${direction.servedBy()}`);
    });

    it('a handler-thrown RpcError arrives with its own code and data, its message naming the procedure and the side', async () => {
      const failure = expectFailure(await direction.call('fail.custom'), 'TEAPOT');
      expect(failure.message).toBe(`I am a teapot ('fail.custom' ${direction.servedBy()})`);
      expect(failure.data).toEqual({ at: new Date(0), tags: new Set(['short', 'stout']) });
    });

    it('an RpcError a handler rethrows from a call it made names where it was thrown, once', async () => {
      const failure = expectFailure(
        await direction.call('nested', { path: 'fail.custom', input: undefined, rethrow: true }),
        'TEAPOT',
      );
      expect(failure.message).toBe(`I am a teapot ('fail.custom' ${direction.callsBack()})`);
    });

    it('onError hears what the handler threw, with its stack, where it ran; the caller gets the message only', async () => {
      const failure = expectFailure(await direction.call('fail.internal'), 'INTERNAL_ERROR');
      expect(failure.message).not.toContain('\n');
      const heard = (await direction.reported()).filter((entry) => entry.where.path === 'fail.internal');
      expect(heard.at(-1)).toMatchObject({
        where: { side: direction.servingSide, kind: 'call', path: 'fail.internal', caller: direction.expectedCaller() },
        message: 'boom',
      });
      // The handler's own frame: the fixture that threw.
      expect(heard.at(-1)?.stack).toMatch(/fixtures[\\/]app\.[jt]s/);
      // An RpcError is an answer for the caller, not an error of the serving side.
      expectFailure(await direction.call('fail.custom'), 'TEAPOT');
      expect((await direction.reported()).filter((entry) => entry.where.path === 'fail.custom')).toEqual([]);
    });

    it('OUTPUT_INVALID: a result that fails the output schema', async () => {
      const failure = expectFailure(await direction.call('badOutput'), 'OUTPUT_INVALID');
      expect(failure.issues).toHaveLength(1);
    });

    it('TIMEOUT: rejects on time and aborts the serving side', async () => {
      const tag = `timeout-${direction.name}`;
      const failure = expectFailure(await direction.call('slow', { ms: 10_000, tag }, { timeout: 200 }), 'TIMEOUT');
      expect(failure.message).toContain('200 ms');
      expect(failure.message).toContain(`'slow' ${direction.servedBy()}`);
      expect(await eventually(() => direction.abortReason(tag))).toBe('TIMEOUT');
    });

    it('ABORTED: the caller signal rejects the call and aborts the serving side', async () => {
      const tag = `abort-${direction.name}`;
      expectFailure(await direction.call('slow', { ms: 10_000, tag }, { abortAfterMs: 100 }), 'ABORTED');
      expect(await eventually(() => direction.abortReason(tag))).toBe('ABORTED');
    });

    it('a call made with { parent: ctx } ends with the call it is made for', async () => {
      const tag = `nested-${direction.name}`;
      // The nested call asks for nothing shorter than the default (20 s), yet it ends with the outer 400 ms.
      const outer = await direction.call('nested', { path: 'slow', input: { ms: 10_000, tag } }, { timeout: 400 });
      // Both clocks run out together: either the outer call's timer fires first, or the nested TIMEOUT comes back first.
      expectFailure(outer.ok ? (outer.value as Outcome) : outer, 'TIMEOUT');
      const nestedReason =
        direction === primaryToWorker
          ? async () => abortReasonHere(tag)
          : () => rpc.primary.call(worker.workerId, 'abortReason', tag);
      // The nested call's own timer sends TIMEOUT; the outer cancel reaching its parent first aborts it with ABORTED.
      expect(['TIMEOUT', 'ABORTED']).toContain(await eventually(nestedReason, 3000));
    });

    it('a call made with { parent: ctx } aborts when the call it is made for is aborted', async () => {
      const tag = `nested-abort-${direction.name}`;
      const outer = await direction.call('nested', { path: 'slow', input: { ms: 10_000, tag } }, { abortAfterMs: 150 });
      expectFailure(outer, 'ABORTED');
      const nestedReason =
        direction === primaryToWorker
          ? async () => abortReasonHere(tag)
          : () => rpc.primary.call(worker.workerId, 'abortReason', tag);
      expect(await eventually(nestedReason, 3000)).toBe('ABORTED');
    });

    it('a nested call may ask for a shorter timeout than what is left', async () => {
      const outer = await direction.call('nested', {
        path: 'slow',
        input: { ms: 10_000, tag: `short-${direction.name}` },
        timeout: 150,
      });
      expect(outer.ok).toBe(true);
      expectFailure((outer as { value: Outcome }).value, 'TIMEOUT');
      expect(((outer as { value: Outcome }).value as { message: string }).message).toContain('150 ms');
    });

    it('PAYLOAD_TOO_LARGE: an input over maxPayloadBytes is refused before it is sent', async () => {
      const failure = expectFailure(await direction.call('echo', undefined, { special: 'big-input' }), 'PAYLOAD_TOO_LARGE');
      expect(failure.message).toContain(String(MAX_PAYLOAD_BYTES));
    });

    it('PAYLOAD_TOO_LARGE: a result over maxPayloadBytes is refused by the serving side', async () => {
      const failure = expectFailure(await direction.call('bigResult', MAX_PAYLOAD_BYTES * 2), 'PAYLOAD_TOO_LARGE');
      expect(failure.message).toContain(direction.servedBy());
    });

    it('UNSERIALIZABLE: an input holding a function fails on the calling side', async () => {
      const failure = expectFailure(await direction.call('echo', undefined, { special: 'function-input' }), 'UNSERIALIZABLE');
      expect(failure.message).toContain('input.callback is a function');
    });

    it('UNSERIALIZABLE: a result holding a function fails on the serving side, and the caller still gets an answer', async () => {
      const failure = expectFailure(await direction.call('functionResult'), 'UNSERIALIZABLE');
      expect(failure.message).toContain('result.callback is a function');
    });

    it('still answers after all of the above', async () => {
      expect(await direction.call('add', { a: 1, b: 1 })).toEqual({ ok: true, value: 2 });
    });
  });

  describe('the primary', () => {
    it('rejects a call or a stream to a worker id no worker ever had with NOT_FOUND at once, naming the id', async () => {
      for (const id of [9999, 0, -1, 1.5]) {
        const failure = expectFailure(await outcomeOf(rpc.primary.call(id, 'none')), 'NOT_FOUND');
        expect(failure.message).toContain(`id ${id}`);
      }
      const stream = rpc.primary.stream(9999, 'none' as never);
      expect(await outcomeOf(stream.next())).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('id 9999') });
    });

    it("a rejected call's stack holds the line that awaited the call, and the async functions above it", async () => {
      async function callThatFails(): Promise<unknown> {
        const value = await rpc.primary.call(worker.workerId, 'fail.internal');
        return value;
      }
      const error = (await callThatFails().catch((caught: unknown) => caught)) as Error;
      expect(error.stack?.split('\n')[0]).toBe(`RpcError: ${error.message}`);
      expect(error.stack).toContain('callThatFails');
      expect(error.stack).toMatch(/call-semantics\.ts/);
    });

    it('callAll settles per worker, ordered by worker id, and workers() lists them', async () => {
      const second = await harness.addWorker();
      try {
        expect(rpc.primary.workers()).toEqual([
          expect.objectContaining({ workerId: worker.workerId }),
          expect.objectContaining({ workerId: second.workerId }),
        ]);
        const all = await rpc.primary.callAll('add', { a: 1, b: 2 }, { timeout: DEFAULT_TIMEOUT_MS });
        expect(all).toEqual([
          { workerId: worker.workerId, status: 'fulfilled', value: 3 },
          { workerId: second.workerId, status: 'fulfilled', value: 3 },
        ]);
        const failed = await rpc.primary.callAll('fail.internal');
        expect(failed.map((entry) => [entry.workerId, entry.status === 'rejected' && entry.error.code])).toEqual([
          [worker.workerId, 'INTERNAL_ERROR'],
          [second.workerId, 'INTERNAL_ERROR'],
        ]);
      } finally {
        await second.kill();
      }
      expect(rpc.primary.workers().map((entry) => entry.workerId)).toEqual([worker.workerId]);
      // A worker that was there and is gone: DISCONNECTED, at once.
      expectFailure(await outcomeOf(rpc.primary.call(second.workerId, 'none')), 'DISCONNECTED');
    });

    it('BAD_REQUEST: options that are not an object, before anything is sent, as for a stream', async () => {
      for (const options of [null, 'fast', 5]) {
        const failure = expectFailure(
          await outcomeOf(rpc.primary.call(worker.workerId, 'none', undefined, options as unknown as CallOptions)),
          'BAD_REQUEST',
        );
        expect(failure.message).toContain('options must be an object');
      }
    });

    it('BAD_REQUEST: a parent that is not a handler ctx, before anything is sent', async () => {
      const notCtx = { deadline: 'soon', signal: null } as unknown as NonNullable<CallOptions['parent']>;
      const failure = expectFailure(
        await outcomeOf(rpc.primary.call(worker.workerId, 'none', undefined, { parent: notCtx })),
        'BAD_REQUEST',
      );
      expect(failure.message).toContain('options.parent');
    });

    it('leaves nothing pending on either side', async () => {
      await delay(50);
      expect(rpc.pendingCount()).toBe(0);
    });
  });
}
