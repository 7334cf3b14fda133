/**
 * A handler that makes many concurrent calls back to its caller: every one
 * inherits the served call's signal, and none of that is reported as a leak
 * (no MaxListenersExceededWarning), in both directions.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, readReport, useFaultWorker } from '../helpers/faults.js';
import { sleep } from '../helpers/wait.js';
import { createFaultRpc, type FaultRpc } from './fixtures/router.js';

const FAN_OUT = 50;

let rpc: FaultRpc;
let worker: Worker;
let file: string;
const reports = new ReportDir();
const warnings: string[] = [];
const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);

beforeAll(async () => {
  process.on('warning', onWarning);
  useFaultWorker();
  rpc = createFaultRpc();
  file = reports.file();
  worker = forkFaultWorker(file);
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  process.off('warning', onWarning);
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

// Every call back is made with { parent: ctx }, so each puts one abort listener on the served call's signal:
// FAN_OUT of them at once, well over Node's default limit of 10.
const fannedOut = { calls: FAN_OUT, listeners: FAN_OUT };

describe(`a handler making ${FAN_OUT} concurrent calls back to its caller`, () => {
  it('worker → primary → worker: all succeed, and the primary warns of no listener leak', async () => {
    expect(await rpc.primary.call(worker, 'callAs', { path: 'fanOut', input: FAN_OUT })).toEqual({
      ok: true,
      value: fannedOut,
    });
    await sleep(50); // warnings are emitted on the next tick
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });

  it('primary → worker → primary: all succeed, and the worker warns of no listener leak', async () => {
    expect(await rpc.primary.call(worker, 'fanOut', FAN_OUT)).toEqual(fannedOut);
    await sleep(50);
    expect(await rpc.primary.call(worker, 'probe')).toMatchObject({ pending: 0 });
    const lines = readReport(file);
    // The report is being written (else an empty filter below would prove nothing).
    expect(lines.filter((line) => line.kind === 'started')).toHaveLength(1);
    expect(lines.filter((line) => line.kind === 'warning')).toEqual([]);
  });
});
