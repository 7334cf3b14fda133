/**
 * Processes that start late, die, disconnect or close, and other users of the
 * same channel: real workers, real signals.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/index.js';
import { createTestRpc, outcomeOf, type TestRpc } from '../fixtures/app.js';
import { exited, fixture, fork, killAllWorkers, nextReport, useWorkerScript } from '../helpers/cluster.js';

let rpc: TestRpc | undefined;

function openRpc(): TestRpc {
  rpc = createTestRpc();
  return rpc;
}

afterEach(async () => {
  await rpc?.close();
  rpc = undefined;
  await killAllWorkers();
});

/** Waits until `check` holds, polling. */
async function until(check: () => boolean, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(10);
  }
}

describe('start-up', () => {
  it('serves a worker forked before createClusterRpc ran in the primary, and one forked after', async () => {
    useWorkerScript(fixture('worker.ts'));
    const early = fork();
    await new Promise((resolve) => early.once('online', resolve));
    await delay(400); // its hello reaches a primary with no rpc object yet, and is lost
    const primary = openRpc();
    const late = fork();
    const [fromEarly, fromLate] = await Promise.all([primary.primary.call(early, 'none'), primary.primary.call(late.id, 'none')]);
    expect([fromEarly, fromLate]).toEqual(['none', 'none']);
  });

  it('holds calls to a worker whose rpc object does not exist yet, and delivers them once it does', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork({ FIXTURE_MODE: 'late', LATE_MS: '800' });
    const started = Date.now();
    // Sent at once; Node would drop them if cluster-rpc did not hold them until the worker's hello.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => primary.primary.call(worker, 'add', { a: index, b: 1 })),
    );
    expect(answers).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('a held call still times out if the worker never gets ready', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork({ FIXTURE_MODE: 'late', LATE_MS: '5000' });
    const outcome = await outcomeOf(primary.primary.call(worker, 'none', undefined, { timeout: 300 }));
    expect(outcome).toMatchObject({ ok: false, code: 'TIMEOUT' });
  });
});

describe('a worker that dies', () => {
  it('rejects every call in flight with DISCONNECTED as soon as it is SIGKILLed, long before the timeout', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    await primary.primary.call(worker, 'none');
    const settled: Array<{ code: string; at: number }> = [];
    const calls = Array.from({ length: 200 }, (_, index) =>
      primary.primary.call(worker, 'slow', { ms: 60_000, tag: `kill-${index}` }, { timeout: 30_000 }).then(
        () => settled.push({ code: 'RESOLVED', at: Date.now() }),
        (error: unknown) => settled.push({ code: error instanceof RpcError ? error.code : String(error), at: Date.now() }),
      ),
    );
    // The worker also has calls in flight to the primary when it dies.
    void primary.primary
      .call(worker, 'drive.call', { path: 'slow', input: { ms: 60_000, tag: 'from-dying-worker' } })
      .catch(() => {});
    await until(() => primary.pendingCount() >= 202);
    const killedAt = Date.now();
    worker.process.kill('SIGKILL');
    await Promise.all(calls);
    expect(settled).toHaveLength(200);
    expect(new Set(settled.map((entry) => entry.code))).toEqual(new Set(['DISCONNECTED']));
    expect(Math.max(...settled.map((entry) => entry.at)) - killedAt).toBeLessThan(5000);
    await until(() => primary.pendingCount() === 0);
  });

  it('rejects new calls to it with DISCONNECTED at once', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    await primary.primary.call(worker, 'none');
    worker.process.kill('SIGKILL');
    await exited(worker);
    const outcome = await outcomeOf(primary.primary.call(worker, 'none'));
    expect(outcome).toMatchObject({ ok: false, code: 'DISCONNECTED' });
  });

  it('a worker whose channel to the primary closes rejects its own pending calls with DISCONNECTED at once', async () => {
    useWorkerScript(fixture('worker.ts'), { silent: true });
    const primary = openRpc();
    const worker = fork({ FIXTURE_MODE: 'report-on-disconnect' });
    const report = nextReport(worker);
    await until(() => primary.pendingCount() === 1); // the worker's slow call is being served here
    worker.disconnect();
    const { outcome, elapsedMs } = (await report) as { outcome: { code: string }; elapsedMs: number };
    expect(outcome.code).toBe('DISCONNECTED');
    expect(elapsedMs).toBeLessThan(5000); // its timeout is 30 s: this is the disconnect, not the timer
    await until(() => primary.pendingCount() === 0);
  });
});

describe('closing', () => {
  it('close() settles pending calls with SHUTTING_DOWN and later calls fail fast', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    await primary.primary.call(worker, 'none');
    const inFlight = outcomeOf(primary.primary.call(worker, 'slow', { ms: 60_000, tag: 'close' }));
    await delay(50);
    await primary.close();
    expect(await inFlight).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
    expect(await outcomeOf(primary.primary.call(worker, 'none'))).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
    // A new rpc object in the same process picks the worker up again.
    const reopened = openRpc();
    expect(await reopened.primary.call(worker, 'none')).toBe('none');
  });

  it('a worker that closes its rpc object makes calls to it fail with SHUTTING_DOWN', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    const inFlight = outcomeOf(primary.primary.call(worker, 'slow', { ms: 60_000, tag: 'worker-close' }));
    expect(await primary.primary.call(worker, 'drive.close')).toBe('closing');
    expect(await inFlight).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
    expect(await outcomeOf(primary.primary.call(worker, 'none'))).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
  });

  it('close({ grace }) lets calls under way finish while refusing new ones', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    await primary.primary.call(worker, 'none');
    const inFlight = outcomeOf(primary.primary.call(worker, 'slow', { ms: 300, tag: 'grace' }));
    await delay(20);
    const closing = primary.close({ grace: 5000 });
    expect(await outcomeOf(primary.primary.call(worker, 'none'))).toMatchObject({ ok: false, code: 'SHUTTING_DOWN' });
    expect(await inFlight).toEqual({ ok: true, value: 'done' });
    await closing;
  });
});

describe('sharing the channel', () => {
  it("leaves another library's process.send traffic untouched, in both directions", async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork({ FIXTURE_MODE: 'foreign' });
    const foreign: unknown[] = [];
    worker.on('message', (message: unknown) => foreign.push(message));
    await primary.primary.call(worker, 'none'); // the other library's messages would be dropped before the worker listens
    const calls: Array<Promise<number>> = [];
    for (let n = 0; n < 100; n++) {
      worker.send({ type: 'other-lib', n });
      calls.push(primary.primary.call(worker, 'add', { a: n, b: n }));
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 100 }, (_, n) => 2 * n));
    await until(() => foreign.filter((message) => (message as { type?: string })?.type === 'other-lib-reply').length === 100);
    const replies = foreign.filter((message) => (message as { type?: string })?.type === 'other-lib-reply');
    expect(replies.map((message) => (message as { n: number }).n)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    // What PM2-like neighbours send reaches the user's own listeners as it was; ours is marked `$crpc` for them to skip.
    expect(foreign).toContain('shutdown');
    expect(foreign).toContain(null);
    expect(foreign).toContainEqual({ type: 'process:msg', data: { hello: 'pm2' } });
    expect(foreign.some((message) => typeof message === 'object' && message !== null && '$crpc' in message)).toBe(true);
  });

  it('reading rpc.primary in a worker throws, naming the worker', async () => {
    useWorkerScript(fixture('worker.ts'));
    const primary = openRpc();
    const worker = fork();
    const message = await primary.primary.call(worker, 'drive.readPrimary');
    expect(message).toBe(
      `rpc.primary is only available in the primary; this process is worker ${worker.id} (pid ${worker.process.pid})`,
    );
  });
});
