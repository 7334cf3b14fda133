/**
 * The code samples of the public contract (../shared/API.md), run as written
 * in a real cluster: the module sample in both processes, the worker sample in
 * each worker, the primary sample here.
 */

import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { afterAll, expect, it } from 'vitest';
import { RPC_ERROR_CODES, type RpcError } from '../../src/index.js';
import { rpc, type WorkerSampleReport } from '../fixtures/contract-app.js';
import { fixture, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';

afterAll(async () => {
  await rpc.close();
  await killAllWorkers();
});

it('runs every sample of the contract as written', async () => {
  useWorkerScript(fixture('contract-worker.ts'));
  const served: Array<{ path: string; ms: number; workerId: number }> = [];
  const changes: Array<{ key: string; value: string }> = [];

  // The "Primary side" sample.
  const worker = cluster.fork();
  const s = await rpc.primary.call(worker, 'stats'); // a cluster Worker or its id
  const all = await rpc.primary.callAll('stats', undefined, { timeout: 1000 });
  const delivered = await rpc.primary.broadcast('configChanged', { key: 'a', value: 'b' }); // count
  const off = rpc.primary.on('requestServed', (payload, meta) => {
    served.push({ ...payload, workerId: meta.workerId });
  });
  rpc.primary.on('configChanged', (payload) => void changes.push(payload));

  expect(s).toEqual({ pid: worker.process.pid, requestId: expect.any(String) });
  expect(all).toEqual([
    { workerId: worker.id, status: 'fulfilled', value: { pid: worker.process.pid, requestId: expect.any(String) } },
  ]);
  expect(delivered).toBe(1);

  // The "Worker side" sample, run in the worker.
  const second = cluster.fork();
  const report: WorkerSampleReport = await rpc.primary.call(worker, 'runWorkerSample');
  expect(report.total).toBe(1);
  expect(report.atIsDate).toBe(true);
  expect(report.afterAbortable).toBe(2);
  expect(served).toEqual([{ path: '/', ms: 3, workerId: worker.id }]);
  expect(changes).toEqual([{ key: 'a', value: 'b' }]);
  off();

  // The worker's broadcast reached the other worker too (it listens once its own sample ran).
  await rpc.primary.call(second, 'runWorkerSample');
  const third: WorkerSampleReport = await rpc.primary.call(worker, 'runWorkerSample');
  expect(third.configChanges).toContainEqual({
    payload: { key: 'a', value: 'b' },
    from: { side: 'worker', workerId: second.id, pid: second.process.pid, host: hostname() },
  });

  // Every built-in code of the error table exists under its name.
  const codes: Array<RpcError['code']> = Object.keys(RPC_ERROR_CODES);
  expect(codes).toEqual([
    'BAD_REQUEST',
    'NOT_FOUND',
    'INTERNAL_ERROR',
    'OUTPUT_INVALID',
    'TIMEOUT',
    'ABORTED',
    'DISCONNECTED',
    'PAYLOAD_TOO_LARGE',
    'SHUTTING_DOWN',
    'UNSERIALIZABLE',
  ]);
});
