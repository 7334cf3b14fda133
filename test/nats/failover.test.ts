/**
 * NATS servers failing under load, with real processes both ways: one server
 * of a three-server cluster killed (its clients fail over to the others), and
 * a single server restarted. Every call completes or rejects with
 * DISCONNECTED or TIMEOUT, none runs twice (each `work` id is counted where it
 * runs), none hangs past its timeout, and calls work again afterwards.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, expect, it } from 'vitest';
import { type NatsServer, startNatsCluster, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Line, type Member, startMember } from '../helpers/nats-members.js';
import { createNatsRpc, duplicates, executions, type LoadReport, type NatsTestRpc, runLoad } from './fixtures/nats-app.js';

const LIVENESS_MS = 1000;
const LOAD = { concurrency: 16, durationMs: 3000, timeoutMs: 2000 };
/** A call settles at its timeout; timers on a busy 2-core machine fire a little late. */
const LATE_MS = 500;
const ENDINGS = new Set(['ok', 'DISCONNECTED', 'TIMEOUT']);
/** The primary's calls made while it lists no worker go to an id no worker ever had: NOT_FOUND, at once. */
const PRIMARY_ENDINGS = new Set([...ENDINGS, 'NOT_FOUND']);

let rpc: NatsTestRpc | undefined;
let round = 0;

afterEach(async () => {
  await rpc?.close();
  rpc = undefined;
  await killAllMembers();
  await stopNatsServers();
});

afterAll(async () => {
  await stopNatsServers();
});

/** The primary's half of the load: `work` calls spread over the workers alive at each moment. */
function primaryLoad(primary: NatsTestRpc): Promise<LoadReport> {
  let turn = 0;
  return runLoad(
    (input, timeout) => {
      const workers = primary.primary.workers();
      const target = workers[turn++ % Math.max(1, workers.length)]?.workerId ?? 1_000_000;
      return primary.primary.call(target, 'work', input, { timeout });
    },
    { ...LOAD, prefix: `p${++round}` },
  );
}

function expectSettledInTime(report: LoadReport | Line, endings = ENDINGS): void {
  expect(report.unsettled).toBe(0);
  expect(report.overdueMs).toBeLessThanOrEqual(LATE_MS);
  for (const ending of Object.keys(report.endings as Record<string, number>)) expect(endings).toContain(ending);
  expect((report.endings as Record<string, number>).ok).toBeGreaterThan(0);
}

/** Runs load both ways while `fault` strikes after a second, then checks every call's fate and that calls work again. */
async function underLoad(primary: NatsTestRpc, workers: Member[], fault: () => Promise<void>): Promise<void> {
  for (const worker of workers) worker.command({ cmd: 'load', ...LOAD });
  const ours = primaryLoad(primary);
  await delay(1000);
  await fault();
  const [primaryReport, ...workerReports] = await Promise.all([ours, ...workers.map((worker) => worker.next('load', 15_000))]);
  expectSettledInTime(primaryReport as LoadReport, PRIMARY_ENDINGS);
  for (const report of workerReports) expectSettledInTime(report);

  // None ran twice, and every call that succeeded ran (here, or in the worker it went to).
  expect(duplicates()).toEqual([]);
  for (const report of workerReports) {
    for (const id of report.okIds as string[]) expect(executions.get(id)).toBe(1);
  }
  const ranThere = new Set<string>();
  for (const worker of workers) {
    worker.command({ cmd: 'executions' });
    const counted = await worker.next('executions', 10_000, () => true);
    expect(counted.duplicates).toEqual([]);
    for (const id of counted.ids as string[]) ranThere.add(id);
  }
  for (const id of (primaryReport as LoadReport).okIds) expect(ranThere.has(id)).toBe(true);

  // After the reconnections, calls work both ways without anyone doing anything.
  await expect.poll(() => primary.primary.workers().length, { timeout: 10_000 }).toBe(workers.length);
  const results = await primary.primary.callAll('echo', 'after', { timeout: 5000 });
  expect(results.map((result) => result.status)).toEqual(workers.map(() => 'fulfilled'));
  for (const [index, worker] of workers.entries()) {
    worker.command({ cmd: 'call', tag: `after-${index}`, path: 'echo', input: 'after', timeout: 5000 });
    expect(await worker.next('outcome', 10_000, (line) => line.tag === `after-${index}`)).toMatchObject({ ok: true });
  }
}

describeNats('NATS servers failing under load', () => {
  it('one server of a three-server cluster killed: its clients fail over; every call completes or rejects, none twice, none hangs', async () => {
    const servers = await startNatsCluster(3);
    const [first, second, third] = servers.map((server) => server.url) as [string, string, string];
    const name = `failover-${process.pid}`;
    // The primary and one worker on the server that dies, the other worker elsewhere.
    rpc = createNatsRpc({
      servers: [first, second, third],
      noRandomize: true,
      cluster: name,
      role: 'primary',
      livenessMs: LIVENESS_MS,
      onError: () => {},
    });
    const workers = [
      startMember({ role: 'worker', servers: [first, second, third], cluster: name, livenessMs: LIVENESS_MS }),
      startMember({ role: 'worker', servers: [second, third, first], cluster: name, livenessMs: LIVENESS_MS }),
    ];
    await Promise.all(workers.map((worker) => worker.next('joined')));
    await underLoad(rpc, workers, () => (servers[0] as NatsServer).stop('SIGKILL'));
  });

  it('a single server restarted: everyone reconnects; every call completes or rejects, none twice, none hangs', async () => {
    const server = await startNatsServer();
    const name = `restart-${process.pid}`;
    rpc = createNatsRpc({ servers: server.url, cluster: name, role: 'primary', livenessMs: LIVENESS_MS, onError: () => {} });
    const workers = [0, 1].map(() =>
      startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS }),
    );
    await Promise.all(workers.map((worker) => worker.next('joined')));
    await underLoad(rpc, workers, async () => {
      await server.stop('SIGKILL');
      await delay(500);
      await server.start();
    });
  });
});
