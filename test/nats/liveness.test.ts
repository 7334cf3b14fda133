/**
 * Liveness over NATS, with real processes: a worker killed or frozen with
 * calls in flight, a primary killed under its workers, and clean closes.
 * The liveness bound is short here (1 s) so the suite stays quick; the
 * default (3 s) is the same arithmetic.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RpcError } from '../../src/index.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Member, startMember } from '../helpers/nats-members.js';
import { createNatsRpc, type NatsTestRpc } from './fixtures/nats-app.js';

const LIVENESS_MS = 1000;
/** Timers fire late on a loaded 2-core machine; the bound is measured from the kill, so a little slack. */
const SLACK_MS = 400;

let server: NatsServer;
let rpc: NatsTestRpc | undefined;
let cluster = 0;

/** A cluster name of its own per test, so no test sees another's processes. */
function nextCluster(): string {
  return `liveness-${process.pid}-${++cluster}`;
}

function primaryHere(name: string): NatsTestRpc {
  rpc = createNatsRpc({ servers: server.url, cluster: name, role: 'primary', livenessMs: LIVENESS_MS, onError: () => {} });
  return rpc;
}

async function joinedWorker(name: string): Promise<{ member: Member; workerId: number }> {
  const member = startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
  const joined = await member.next('joined');
  return { member, workerId: joined.workerId as number };
}

/** Fires `count` slow calls at a worker; resolves with when and how each ended. */
function slowCalls(target: NatsTestRpc, workerId: number, count: number) {
  return Array.from({ length: count }, () =>
    target.primary.call(workerId, 'slow', { ms: 60_000 }, { timeout: 30_000 }).then(
      () => ({ code: 'ok', at: Date.now() }),
      (error: unknown) => ({ code: error instanceof RpcError ? error.code : String(error), at: Date.now() }),
    ),
  );
}

describeNats('liveness over NATS', () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterEach(async () => {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
  });

  afterAll(async () => {
    await stopNatsServers();
  });

  it('SIGKILL a worker with 100 calls in flight: every one rejects with DISCONNECTED within the liveness bound', async () => {
    const name = nextCluster();
    const primary = primaryHere(name);
    const { member, workerId } = await joinedWorker(name);
    const calls = slowCalls(primary, workerId, 100);
    // Every call is being served before the kill.
    await expect.poll(() => primary.pendingCount(), { timeout: 5000 }).toBe(100);
    const killedAt = Date.now();
    await member.kill('SIGKILL');
    const endings = await Promise.all(calls);
    expect(new Set(endings.map((ending) => ending.code))).toEqual(new Set(['DISCONNECTED']));
    expect(Math.max(...endings.map((ending) => ending.at)) - killedAt).toBeLessThanOrEqual(LIVENESS_MS + SLACK_MS);
    expect(primary.primary.workers()).toEqual([]);
    expect(primary.pendingCount()).toBe(0);
  });

  it('SIGSTOP a worker: its calls reject with DISCONNECTED by heartbeat; after SIGCONT it joins again with a new id', async () => {
    const name = nextCluster();
    const primary = primaryHere(name);
    const { member, workerId } = await joinedWorker(name);
    const calls = slowCalls(primary, workerId, 20);
    await expect.poll(() => primary.pendingCount(), { timeout: 5000 }).toBe(20);
    const stoppedAt = Date.now();
    await member.kill('SIGSTOP');
    try {
      const endings = await Promise.all(calls);
      expect(new Set(endings.map((ending) => ending.code))).toEqual(new Set(['DISCONNECTED']));
      expect(Math.max(...endings.map((ending) => ending.at)) - stoppedAt).toBeLessThanOrEqual(LIVENESS_MS + SLACK_MS);
      expect(primary.primary.workers()).toEqual([]);
    } finally {
      await member.kill('SIGCONT');
    }
    // Woken, it finds it stalled past the bound, takes a new session and joins again.
    const rejoined = await member.next('joined', 10_000, (line) => line.workerId !== workerId);
    expect(rejoined.workerId).toBeGreaterThan(workerId);
    expect(primary.primary.workers()).toEqual([expect.objectContaining({ workerId: rejoined.workerId, pid: member.pid })]);
  });

  it('SIGKILL the primary: workers’ calls reject, workers live on and join a new primary started afterwards', async () => {
    const name = nextCluster();
    const first = startMember({ role: 'primary', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    await first.next('started');
    const workers = [0, 1].map(() =>
      startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS }),
    );
    const before = await Promise.all(workers.map((worker) => worker.next('joined')));
    expect(before.map((line) => line.primaryPid)).toEqual([first.pid, first.pid]);
    for (const worker of workers)
      worker.command({ cmd: 'calls', tag: 'orphans', count: 50, path: 'slow', input: { ms: 60_000 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    const reports = await Promise.all(workers.map((worker) => worker.next('outcomes', 10_000)));
    for (const report of reports) {
      const outcomes = report.outcomes as Array<{ code: string; ms: number }>;
      expect(outcomes).toHaveLength(50);
      expect(new Set(outcomes.map((outcome) => outcome.code))).toEqual(new Set(['DISCONNECTED']));
    }
    expect(Date.now() - killedAt).toBeLessThanOrEqual(LIVENESS_MS + SLACK_MS + 500);
    // Meanwhile the workers live on; a new primary numbers them afresh.
    const second = startMember({ role: 'primary', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    const after = await Promise.all(
      workers.map((worker) => worker.next('joined', 15_000, (line) => line.primaryPid === second.pid)),
    );
    expect(after.map((line) => line.workerId).sort()).toEqual([1, 2]);
    for (const worker of workers) expect(worker.process.exitCode).toBeNull();
    second.command({ cmd: 'workers' });
    const listed = (await second.next('workers')).workers as Array<{ workerId: number; pid: number }>;
    expect(listed.map((entry) => entry.pid).sort()).toEqual(workers.map((worker) => worker.pid).sort());
  });

  it('a worker that closes its rpc object leaves at once: the primary drops it and rejects its calls', async () => {
    const name = nextCluster();
    const primary = primaryHere(name);
    const { member, workerId } = await joinedWorker(name);
    const calls = slowCalls(primary, workerId, 10);
    await expect.poll(() => primary.pendingCount(), { timeout: 5000 }).toBe(10);
    const closedAt = Date.now();
    member.command({ cmd: 'close' });
    const endings = await Promise.all(calls);
    // The worker's close settles the calls it serves; its goodbye makes the primary drop it at once.
    expect(new Set(endings.map((ending) => ending.code))).toEqual(new Set(['SHUTTING_DOWN']));
    await expect.poll(() => primary.primary.workers(), { timeout: LIVENESS_MS / 2 }).toEqual([]);
    expect(Date.now() - closedAt).toBeLessThan(LIVENESS_MS);
    expect((await member.exited).code).toBe(0);
  });

  it('a worker’s calls made before any primary exists wait, and succeed once one starts', async () => {
    const name = nextCluster();
    const worker = startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    await worker.next('started');
    worker.command({ cmd: 'call', tag: 'early', path: 'echo', input: 'before the primary', timeout: 8000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    primaryHere(name);
    const outcome = await worker.next('outcome', 10_000, (line) => line.tag === 'early');
    expect(outcome).toMatchObject({ ok: true, value: 'before the primary' });
  });

  it('the primary’s clean close: workers drop it at once and join the next primary', async () => {
    const name = nextCluster();
    const primary = primaryHere(name);
    const { member } = await joinedWorker(name);
    member.command({ cmd: 'calls', tag: 'cut', count: 5, path: 'slow', input: { ms: 60_000 } });
    await expect.poll(() => primary.pendingCount(), { timeout: 5000 }).toBe(5);
    const closedAt = Date.now();
    await primary.close();
    rpc = undefined;
    const report = await member.next('outcomes', 5000);
    expect(new Set((report.outcomes as Array<{ code: string }>).map((outcome) => outcome.code))).toEqual(
      new Set(['SHUTTING_DOWN']),
    );
    expect(Date.now() - closedAt).toBeLessThan(LIVENESS_MS);
    const next = primaryHere(name);
    await expect
      .poll(() => next.primary.workers(), { timeout: 5000 })
      .toEqual([expect.objectContaining({ workerId: 1, pid: member.pid })]);
  });
});
