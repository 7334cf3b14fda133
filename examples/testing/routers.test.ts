// The example of the README's section "Testing your routers" (test/testing/readme-example.test.ts keeps them equal).
import { afterAll, expect, test } from 'vitest';
import { createTestCluster } from '../../src/testing.js';
import { primaryRouter, workerRouter } from './routers.js';

const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, workers: 2 });
afterAll(() => cluster.close());

test('a worker counts through the primary', async () => {
  expect(await cluster.primary.call(1, 'hitTwice')).toBe(2);
  const all = await cluster.primary.callAll('hitTwice');
  expect(all.map((entry) => entry.status)).toEqual(['fulfilled', 'fulfilled']);
});

test('a dead worker fails what was in flight with DISCONNECTED', async () => {
  const call = cluster.primary.call(2, 'hitTwice');
  cluster.kill(2);
  await expect(call).rejects.toMatchObject({ code: 'DISCONNECTED' });
});
