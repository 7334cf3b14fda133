/**
 * A router written with valibot, another Standard Schema validator, works end
 * to end over real forked workers as a zod one does: inputs validated and
 * transformed, BAD_REQUEST with the validator's issues, output schemas
 * enforced, event payloads checked on both sides and defaults applied.
 */
import cluster from 'node:cluster';
import { afterAll, expect, test } from 'vitest';
import { RpcError } from '../../src/index.js';
import { rpc } from '../fixtures/valibot-app.js';
import { fixture, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';

afterAll(async () => {
  await rpc.close();
  await killAllWorkers();
});

test('valibot schemas validate calls both ways and events, in real processes', async () => {
  useWorkerScript(fixture('valibot-worker.ts'));
  const tagged: Array<{ payload: unknown; workerId: number }> = [];
  rpc.primary.on('tagged', (payload, meta) => void tagged.push({ payload, workerId: meta.workerId }));
  const worker = cluster.fork();

  // worker -> primary: results, a transformed input, and each kind of refusal
  const report = await rpc.primary.call(worker, 'runWorkerSide');
  expect(report).toEqual({
    doubled: 42,
    weekday: 'Wed',
    badInput: { code: 'BAD_REQUEST', paths: [['n']] },
    badOutput: 'OUTPUT_INVALID',
    badEvent: 'BAD_REQUEST',
  });
  // Only the valid event arrived, with the schema's default filled in.
  expect(tagged).toEqual([{ payload: { label: 'from a worker', weight: 1 }, workerId: worker.id }]);

  // primary -> worker: a result with a default applied, and a refused input
  expect(await rpc.primary.call(worker, 'label', { label: 'a' })).toBe('a×1');
  const refused = await rpc.primary.call(worker, 'label', { label: '' }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(RpcError);
  expect((refused as RpcError).code).toBe('BAD_REQUEST');
  expect((refused as RpcError).issues?.map((issue) => issue.path)).toEqual([['label']]);

  // a broadcast is validated before it leaves, and arrives parsed
  await expect(rpc.primary.broadcast('tagged', { label: 1 } as unknown as { label: string })).rejects.toMatchObject({
    code: 'BAD_REQUEST',
  });
  expect(await rpc.primary.broadcast('tagged', { label: 'to every worker', weight: 3 })).toBe(1);
  expect(await rpc.primary.call(worker, 'received')).toEqual([{ label: 'to every worker', weight: 3 }]);
});
