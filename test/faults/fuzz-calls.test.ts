/**
 * Random payloads through real calls: each value goes primary → worker, on
 * to the primary and back the same way (it crosses the channel four times).
 * Every call either returns a value deeply equal to what was sent or fails
 * with an RpcError saying it cannot be sent (UNSERIALIZABLE); nothing is lost
 * (no TIMEOUT) and nothing arrives changed.
 */

import { deepStrictEqual } from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/index.js';
import { killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, useFaultWorker } from '../helpers/faults.js';
import { createFaultRpc, type FaultRpc } from './fixtures/router.js';
import { CARRIED, REFUSED } from './fixtures/values.js';

let rpc: FaultRpc;
let worker: Worker;
const reports = new ReportDir();

beforeAll(async () => {
  useFaultWorker();
  rpc = createFaultRpc();
  worker = forkFaultWorker(reports.file());
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

/** Four crossings; a lost message would show as TIMEOUT well before the test's own timeout. */
function roundTrip(value: unknown): Promise<unknown> {
  return rpc.primary.call(worker, 'echoVia', value, { timeout: 10_000 });
}

describe('values with a known fate, through real calls', () => {
  it.each(CARRIED)('%s arrives as itself after four crossings', async (_name, value) => {
    deepStrictEqual(await roundTrip(value), value);
  });

  it.each(REFUSED)('%s is refused with UNSERIALIZABLE before it leaves', async (_name, value, where) => {
    const before = (await rpc.primary.call(worker, 'probe')).byPath.echoVia ?? 0;
    const error = await roundTrip(value).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'UNSERIALIZABLE' });
    expect((error as RpcError).message).toContain(where);
    expect((await rpc.primary.call(worker, 'probe')).byPath.echoVia ?? 0).toBe(before);
  });
});

describe('random values through real calls (fast-check)', () => {
  it('each returns equal or fails with UNSERIALIZABLE; none is lost or changed', async () => {
    const fates: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withSparseArray: true,
          withObjectString: true,
          maxDepth: 3,
        }),
        async (value) => {
          const outcome = await roundTrip(value).then(
            (back: unknown) => ({ ok: true as const, back }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          if (!outcome.ok) {
            expect(outcome.error).toBeInstanceOf(RpcError);
            expect((outcome.error as RpcError).code).toBe('UNSERIALIZABLE');
            fates.UNSERIALIZABLE = (fates.UNSERIALIZABLE ?? 0) + 1;
            return;
          }
          // Outside any catch, so a changed value fails with its diff (under isDeepStrictEqual's rules).
          deepStrictEqual(outcome.back, value);
          fates.equal = (fates.equal ?? 0) + 1;
        },
      ),
      { numRuns: 300 },
    );
    expect(fates.equal).toBeGreaterThan(100);
    expect(rpc.pendingCount()).toBe(0);
    console.log(`[faults] 300 random values, four crossings each: ${JSON.stringify(fates)}`);
  });
});
