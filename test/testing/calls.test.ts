/**
 * The call semantics over the in-process test cluster of `cluster-rpc/testing`:
 * the same suite as over cluster IPC, with no process forked.
 */
import { hostname } from 'node:os';
import { describe } from 'vitest';
import { createTestCluster, type TestCluster } from '../../src/testing.js';
import {
  createTestRpc,
  DEFAULT_TIMEOUT_MS,
  events,
  MAX_PAYLOAD_BYTES,
  primaryRouter,
  recordError,
  type TestRpc,
  workerRouter,
} from '../fixtures/app.js';
import { type CallHarness, describeCallSemantics, type HarnessWorker } from '../suites/call-semantics.js';

let cluster: TestCluster<typeof primaryRouter, typeof workerRouter, typeof events> | undefined;
// The handlers reach the other side through `rpc.for(ctx)`; a real rpc object lives next to the test cluster.
let rpc: TestRpc | undefined;

const inProcess: CallHarness = {
  name: 'in-process',
  async start() {
    rpc = createTestRpc();
    cluster = createTestCluster({
      primary: primaryRouter,
      worker: workerRouter,
      events,
      workers: 0,
      timeout: DEFAULT_TIMEOUT_MS,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      onError: recordError,
    });
  },
  async stop() {
    await cluster?.close();
    await rpc?.close();
  },
  get primary() {
    if (!cluster) throw new Error('not started');
    return cluster.primary;
  },
  async addWorker(): Promise<HarnessWorker> {
    if (!cluster) throw new Error('not started');
    const running = cluster;
    running.fork();
    const workerId = running.workers.length;
    await running.primary.call(workerId, 'none');
    return {
      workerId,
      info: { side: 'worker', workerId, pid: process.pid, host: hostname() },
      async kill() {
        running.kill(workerId);
      },
    };
  },
  pendingCount: () => cluster?.pendingCount() ?? 0,
};

describe('over the in-process test cluster', () => {
  describeCallSemantics(inProcess);
});
