/**
 * Who is there, over cluster IPC, against real forked workers (this test
 * file is the primary): each worker's join and leave heard once, in order,
 * with why it left, through kills, exits, disconnects and closed rpc
 * objects; listeners added late, removed, or that throw; a worker's view of
 * its primary and of itself.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerChange } from '../../src/index.js';
import { createTestRpc, reportedHere, type TestRpc } from '../fixtures/app.js';
import { exited, fixture, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';

let rpc: TestRpc;

beforeAll(() => {
  useWorkerScript(fixture('worker.ts'));
  rpc = createTestRpc();
});

afterAll(async () => {
  await rpc.close();
  await killAllWorkers();
});

/** Resolves once `check` holds, polling. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('rpc.primary.onWorkers over cluster IPC', () => {
  it('hears each worker join once it answers and leave once, in order, with why, through two rounds of forks and deaths', async () => {
    const heard: Array<WorkerChange & { listed: boolean }> = [];
    const off = rpc.primary.onWorkers((change) => {
      const listed = rpc.primary.workers().some((worker) => worker.workerId === change.worker.workerId);
      heard.push({ ...change, listed });
    });
    const expected = new Map<number, RegExp>();
    for (let round = 0; round < 2; round++) {
      const forked: Worker[] = [fork(), fork(), fork(), fork()];
      await until(() => forked.every((worker) => heard.some((change) => change.worker.workerId === worker.id)));
      const [killed, terminated, disconnected, closing] = forked as [Worker, Worker, Worker, Worker];
      expected.set(killed.id, /^it was killed by SIGKILL$/);
      expected.set(terminated.id, /^it was killed by SIGTERM$/);
      expected.set(disconnected.id, /^it exited with code 0$/);
      expected.set(closing.id, /^it closed its rpc object$/);
      // Closes its rpc object, then its process dies: one leave, for the first.
      await rpc.primary.call(closing, 'drive.close');
      await until(() => heard.some((change) => change.type === 'left' && change.worker.workerId === closing.id));
      const exits = forked.map(exited);
      killed.process.kill('SIGKILL');
      terminated.process.kill('SIGTERM');
      disconnected.disconnect();
      closing.process.kill('SIGKILL');
      await Promise.all(exits);
      await until(() => heard.filter((change) => change.type === 'left').length === 4 * (round + 1));
    }
    off();

    const byWorker = new Map<number, Array<WorkerChange & { listed: boolean }>>();
    for (const change of heard) byWorker.set(change.worker.workerId, [...(byWorker.get(change.worker.workerId) ?? []), change]);
    expect(byWorker.size).toBe(8);
    for (const [workerId, changes] of byWorker) {
      expect(changes.map((change) => change.type)).toEqual(['joined', 'left']);
      const [joined, left] = changes as [WorkerChange & { listed: boolean }, WorkerChange & { listed: boolean }];
      expect(joined.listed).toBe(true);
      expect(left.type === 'left' && left.reason).toMatch(expected.get(workerId) as RegExp);
    }
    expect(rpc.primary.workers()).toEqual([]);
  });

  it('a listener added later hears only what comes next; a removed one nothing; one that throws goes to onError and stops no other; the worker hears its primary', async () => {
    const first = fork();
    await rpc.primary.call(first, 'none');
    const late: string[] = [];
    const removed: string[] = [];
    const offs = [
      rpc.primary.onWorkers(() => {
        throw new Error('membership listener failure (expected in this test)');
      }),
      rpc.primary.onWorkers((change) => void late.push(`${change.type} ${change.worker.workerId}`)),
    ];
    rpc.primary.onWorkers((change) => void removed.push(change.type))();
    const second = fork();
    await rpc.primary.call(second, 'none');
    const gone = exited(second);
    second.process.kill('SIGKILL');
    await gone;
    await until(() => late.length === 2);
    for (const off of offs) off();
    expect(late).toEqual([`joined ${second.id}`, `left ${second.id}`]);
    expect(removed).toEqual([]);
    const failures = reportedHere().filter((entry) => entry.where.path === 'onWorkers');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      where: { side: 'primary', kind: 'event' },
      message: expect.stringContaining('expected'),
    });

    // The worker's side: its primary joined once, and self() gives its cluster id.
    const seen = (await rpc.primary.call(first, 'drive.membership')) as { changes: unknown[]; self: unknown };
    expect(seen.changes).toEqual([{ type: 'joined' }]);
    expect(seen.self).toEqual({ workerId: first.id, pid: first.process.pid, host: expect.any(String) });
    first.process.kill('SIGKILL');
    await exited(first);
  });
});
