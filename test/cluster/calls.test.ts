/**
 * The call semantics over cluster IPC, against real forked workers: this test
 * file is the primary. The suite itself is shared with every transport.
 */
import type { Worker } from 'node:cluster';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createTestRpc, type TestRpc } from '../fixtures/app.js';
import { exited, fixture, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import { type CallHarness, describeCallSemantics, type HarnessWorker } from '../suites/call-semantics.js';

let rpc: TestRpc | undefined;

const clusterIpc: CallHarness = {
  name: 'cluster IPC',
  async start() {
    useWorkerScript(fixture('worker.ts'));
    rpc = createTestRpc();
  },
  async stop() {
    await rpc?.close();
    await killAllWorkers();
  },
  get primary() {
    if (!rpc) throw new Error('not started');
    return rpc.primary;
  },
  async addWorker(): Promise<HarnessWorker> {
    const worker: Worker = fork();
    await this.primary.call(worker, 'none');
    return {
      workerId: worker.id,
      info: { side: 'worker', workerId: worker.id, pid: worker.process.pid ?? 0, host: hostname() },
      async kill() {
        const done = exited(worker);
        worker.process.kill('SIGKILL');
        await done;
      },
    };
  },
  pendingCount: () => rpc?.pendingCount() ?? 0,
};

describe('over cluster IPC', () => {
  describeCallSemantics(clusterIpc);

  it('reading rpc.worker in the primary throws at once, naming this side', () => {
    expect(() => rpc?.worker).toThrow(/only available in the workers; this process is the primary/);
  });
});
