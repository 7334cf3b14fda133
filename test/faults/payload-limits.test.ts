/**
 * Payloads over `maxPayloadBytes` (64 KiB here, on both sides) are refused
 * before they are sent, with PAYLOAD_TOO_LARGE: inputs, results, events.
 * Values the channel cannot carry give UNSERIALIZABLE on the side that tried.
 * Either way the other side answers at once and never runs what was refused.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, useFaultWorker } from '../helpers/faults.js';
import { sleep } from '../helpers/wait.js';
import { createFaultRpc, type FaultRpc, make, stats } from './fixtures/router.js';

const MAX_PAYLOAD_BYTES = 64 * 1024;
const OVER = MAX_PAYLOAD_BYTES + 1024;
const UNDER = MAX_PAYLOAD_BYTES - 1024;
/** A refusal is decided locally or by one round trip: far below any timeout. */
const ANSWER_WITHIN_MS = 1_000;

let rpc: FaultRpc;
let worker: Worker;
const reports = new ReportDir();

beforeAll(async () => {
  process.env.FAULT_MAX_PAYLOAD = String(MAX_PAYLOAD_BYTES);
  useFaultWorker();
  rpc = createFaultRpc();
  worker = forkFaultWorker(reports.file());
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
  delete process.env.FAULT_MAX_PAYLOAD;
});

interface Settled {
  ok: boolean;
  code?: string;
  message?: string;
  value?: unknown;
  ms: number;
}

/** Calls the worker and reports how it ended, and how long that took. */
async function callWorker(path: string, input: unknown): Promise<Settled> {
  const started = Date.now();
  try {
    const value = await rpc.primary.call(worker, path as 'echo', input, { timeout: 30_000 });
    return { ok: true, value, ms: Date.now() - started };
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { ok: false, code, message, ms: Date.now() - started };
  }
}

async function workerCounts(): Promise<{ byPath: Record<string, number>; events: number }> {
  const seen = await rpc.primary.call(worker, 'probe');
  return { byPath: seen.byPath, events: seen.events };
}

describe('PAYLOAD_TOO_LARGE, checked before sending', () => {
  it('primary → worker: an input over the limit is refused by the primary; the worker never sees it', async () => {
    const before = await workerCounts();
    const result = await callWorker('length', 'x'.repeat(OVER));
    expect(result).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(result.message).toContain(String(MAX_PAYLOAD_BYTES));
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect((await workerCounts()).byPath.length).toBe(before.byPath.length);
    expect(await callWorker('length', 'x'.repeat(UNDER))).toMatchObject({ ok: true, value: UNDER });
  });

  it('worker → primary: an input over the limit is refused by the worker; the primary never sees it', async () => {
    const before = stats.byPath.length ?? 0;
    const result = await rpc.primary.call(worker, 'callMade', { path: 'length', make: 'big-string', size: OVER });
    expect(result).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(stats.byPath.length ?? 0).toBe(before);
    expect(await rpc.primary.call(worker, 'callMade', { path: 'length', make: 'big-string', size: UNDER })).toMatchObject({
      ok: true,
      value: UNDER,
    });
  });

  it('primary → worker: a result over the limit is refused by the worker, which answers PAYLOAD_TOO_LARGE at once', async () => {
    const result = await callWorker('big', OVER);
    expect(result).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(result.message).toContain(`on worker ${worker.id}`);
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('worker → primary: a result over the limit is refused by the primary, which answers PAYLOAD_TOO_LARGE at once', async () => {
    const result = await rpc.primary.call(worker, 'callAs', { path: 'big', input: OVER });
    expect(result).toMatchObject({ ok: false, code: 'PAYLOAD_TOO_LARGE' });
    expect((result as { message: string }).message).toContain('on the primary');
  });

  it('events over the limit are refused before sending, both ways; no listener runs', async () => {
    const before = await workerCounts();
    await expect(rpc.primary.broadcast('blob', 'x'.repeat(OVER))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const primaryEvents = stats.events;
    expect(await rpc.primary.call(worker, 'emitMade', { name: 'blob', make: 'big-string', size: OVER, broadcast: false })).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(await rpc.primary.call(worker, 'emitMade', { name: 'blob', make: 'big-string', size: OVER, broadcast: true })).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    // Under the limit both ways, to show the listeners do run when they should.
    expect(await rpc.primary.broadcast('blob', 'x'.repeat(UNDER))).toBe(1);
    expect(await rpc.primary.call(worker, 'emitMade', { name: 'blob', make: 'big-string', size: UNDER, broadcast: false })).toBe(
      'sent',
    );
    await sleep(100);
    expect(stats.events).toBe(primaryEvents + 1);
    expect((await workerCounts()).events).toBe(before.events + 1);
  });
});

describe('UNSERIALIZABLE on the side that tried', () => {
  const inputs = ['function', 'symbol', 'constructor-key', 'nested-function', 'bigint64array'] as const;

  it.each(inputs)('primary → worker: an input holding %s is refused by the primary; the worker never sees it', async (kind) => {
    const before = await workerCounts();
    const result = await callWorker('echo', make(kind));
    expect(result).toMatchObject({ ok: false, code: 'UNSERIALIZABLE' });
    expect(result.message).toContain("'echo' on worker");
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect((await workerCounts()).byPath.echo).toBe(before.byPath.echo);
  });

  it.each(inputs)('worker → primary: an input holding %s is refused by the worker; the primary never sees it', async (kind) => {
    const before = stats.byPath.echo ?? 0;
    const result = await rpc.primary.call(worker, 'callMade', { path: 'echo', make: kind });
    expect(result).toMatchObject({ ok: false, code: 'UNSERIALIZABLE' });
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(stats.byPath.echo ?? 0).toBe(before);
  });

  const results = ['function', 'symbol', 'constructor', 'nested-function'] as const;

  it.each(results)('primary → worker: a result that is %s gives UNSERIALIZABLE from the worker, at once', async (kind) => {
    const result = await callWorker('bad', kind);
    expect(result).toMatchObject({ ok: false, code: 'UNSERIALIZABLE' });
    expect(result.message).toContain(`on worker ${worker.id}`);
    expect(result.ms).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it.each(results)('worker → primary: a result that is %s gives UNSERIALIZABLE from the primary, at once', async (kind) => {
    const result = await rpc.primary.call(worker, 'callAs', { path: 'bad', input: kind });
    expect(result).toMatchObject({ ok: false, code: 'UNSERIALIZABLE' });
    expect((result as { message: string }).message).toContain('on the primary');
  });

  it('an event payload holding a function is refused before sending, both ways', async () => {
    await expect(rpc.primary.broadcast('ping', make('ping-with-function') as { n: number })).rejects.toMatchObject({
      code: 'UNSERIALIZABLE',
    });
    expect(await rpc.primary.call(worker, 'emitMade', { name: 'ping', make: 'ping-with-function', broadcast: false })).toBe(
      'UNSERIALIZABLE',
    );
    expect(await rpc.primary.call(worker, 'emitMade', { name: 'ping', make: 'ping-with-function', broadcast: true })).toBe(
      'UNSERIALIZABLE',
    );
  });

  it('error data that cannot cross is left out, and the error itself still arrives, both ways', async () => {
    const result = await callWorker('badData', undefined);
    expect(result).toMatchObject({ ok: false, code: 'TEAPOT' });
    expect(result.message).toContain('its data was left out');
    const back = await rpc.primary.call(worker, 'callAs', { path: 'badData', input: undefined });
    expect(back).toMatchObject({ ok: false, code: 'TEAPOT' });
  });

  it('both sides still answer, and nothing is pending', async () => {
    expect(await callWorker('echo', { fine: new Date(0) })).toMatchObject({ ok: true, value: { fine: new Date(0) } });
    expect(rpc.pendingCount()).toBe(0);
    expect((await rpc.primary.call(worker, 'probe')).pending).toBe(0);
  });
});
