/**
 * Many concurrent calls from several real workers at once: every call is
 * answered exactly once and the primary's state stays consistent.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestRpc, type TestRpc } from '../fixtures/app.js';
import { fixture, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';

const WORKERS = 3;
const CALLS_PER_WORKER = 1000;

let rpc: TestRpc;
let workers: Worker[];

beforeAll(async () => {
  useWorkerScript(fixture('worker.ts'));
  rpc = createTestRpc();
  workers = Array.from({ length: WORKERS }, () => fork());
  await Promise.all(workers.map((worker) => rpc.primary.call(worker, 'none')));
});

afterAll(async () => {
  await rpc.close();
  await killAllWorkers();
});

it(`answers ${CALLS_PER_WORKER} concurrent calls from each of ${WORKERS} workers once each, with a consistent total`, async () => {
  const before = await rpc.primary.call(workers[0] as Worker, 'drive.call', { path: 'counted' });
  const base = (before as { value: number }).value;
  // Each worker fires all of its calls to the primary's counter at the same time.
  const perWorker = await Promise.all(workers.map((worker) => rpc.primary.call(worker, 'drive.flood', CALLS_PER_WORKER)));
  const values = perWorker.flat();
  expect(values).toHaveLength(WORKERS * CALLS_PER_WORKER);
  expect(values).not.toContain(-1);
  // Every increment was seen by exactly one call: the values are exactly base+1 … base+3000.
  expect(new Set(values).size).toBe(values.length);
  expect(Math.min(...values)).toBe(base + 1);
  expect(Math.max(...values)).toBe(base + WORKERS * CALLS_PER_WORKER);
  expect(rpc.pendingCount()).toBe(0);
});

it(`answers ${CALLS_PER_WORKER} concurrent calls from the primary to each worker`, async () => {
  const calls = workers.flatMap((worker) =>
    Array.from({ length: CALLS_PER_WORKER }, (_, index) => rpc.primary.call(worker, 'add', { a: worker.id, b: index })),
  );
  const answers = await Promise.all(calls);
  const expected = workers.flatMap((worker) => Array.from({ length: CALLS_PER_WORKER }, (_, index) => worker.id + index));
  expect(answers).toEqual(expected);
  expect(rpc.pendingCount()).toBe(0);
});
