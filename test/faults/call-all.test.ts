/**
 * `callAll` while one worker dies mid-gather and another never answers: the
 * gather settles per worker (DISCONNECTED, TIMEOUT, the value), never as one
 * global failure, and the dead worker's entry does not wait for the timeout.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, useFaultWorker } from '../helpers/faults.js';
import { createFaultRpc, type FaultRpc } from './fixtures/router.js';

const GATHER_TIMEOUT_MS = 1_500;

let rpc: FaultRpc;
let survivors: Worker[] = [];
const reports = new ReportDir();

beforeAll(() => {
  useFaultWorker();
  rpc = createFaultRpc();
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

describe('callAll with a worker that dies mid-gather and one that never answers', () => {
  it('settles with one entry per worker: the value, DISCONNECTED, TIMEOUT', async () => {
    const answering = forkFaultWorker(reports.file(), { GATHER: 'ok' });
    const dying = forkFaultWorker(reports.file(), { GATHER: 'die' });
    const silent = forkFaultWorker(reports.file(), { GATHER: 'silent' });
    survivors = [answering, silent];
    await Promise.all([answering, dying, silent].map((worker) => rpc.primary.call(worker, 'probe')));

    const deadAt = exited(dying).then(() => Date.now());
    const started = Date.now();
    const all = await rpc.primary.callAll('gather', undefined, { timeout: GATHER_TIMEOUT_MS });
    const took = Date.now() - started;

    expect(all.map((entry) => entry.workerId)).toEqual([answering.id, dying.id, silent.id]);
    expect(all[0]).toEqual({ workerId: answering.id, status: 'fulfilled', value: answering.process.pid });
    expect(all[1]).toMatchObject({ workerId: dying.id, status: 'rejected', error: { code: 'DISCONNECTED' } });
    expect(all[2]).toMatchObject({ workerId: silent.id, status: 'rejected', error: { code: 'TIMEOUT' } });
    // The gather waited for the silent worker's timeout, and no longer.
    expect(took).toBeGreaterThanOrEqual(GATHER_TIMEOUT_MS - 5);
    expect(took).toBeLessThan(GATHER_TIMEOUT_MS + 1_500);
    expect((await deadAt) - started).toBeLessThan(GATHER_TIMEOUT_MS);
    expect(rpc.pendingCount()).toBe(0);
    // The silent worker was told: its handler's signal aborted and its table is empty.
    const seen = await rpc.primary.call(silent, 'probe');
    expect(seen.aborts).toEqual(['TIMEOUT']);
    expect(seen.pending).toBe(0);
    console.log(
      `[faults] callAll: ${JSON.stringify(all.map((entry) => (entry.status === 'fulfilled' ? 'value' : entry.error.code)))} in ${took} ms`,
    );
  });

  it('the next gather covers only the workers still alive, and all of them answer', async () => {
    const all = await rpc.primary.callAll('probe', undefined, { timeout: GATHER_TIMEOUT_MS });
    expect(all.map((entry) => [entry.workerId, entry.status])).toEqual(survivors.map((worker) => [worker.id, 'fulfilled']));
  });
});
