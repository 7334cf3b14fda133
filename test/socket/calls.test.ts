import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { socketTransport } from '../../src/socket.js';
import { createTestRpc, type TestRpc } from '../fixtures/app.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { type CallHarness, describeCallSemantics, type HarnessWorker } from '../suites/call-semantics.js';
import { forkedCallHarness } from '../suites/forked-harnesses.js';

const SUITE_WORKER = fileURLToPath(new URL('./fixtures/suite-worker.ts', import.meta.url));

let rpc: TestRpc | undefined;

function current(): TestRpc {
  if (!rpc) throw new Error('not started');
  return rpc;
}

const underCluster = forkedCallHarness('the socket under node:cluster', SUITE_WORKER, () => socketTransport()).harness;

let directory = '';

const withPath: CallHarness = {
  name: 'the socket with a path',
  async start() {
    directory = mkdtempSync(join(tmpdir(), 'crpc-calls-'));
    rpc = createTestRpc(socketTransport({ path: join(directory, 'rpc.sock'), role: 'primary' }));
  },
  async stop() {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
    rmSync(directory, { recursive: true, force: true });
  },
  get primary() {
    return current().primary;
  },
  async addWorker(): Promise<HarnessWorker> {
    const member = startMember({ role: 'worker', script: SUITE_WORKER, env: { SOCKET_PATH: join(directory, 'rpc.sock') } });
    await member.next('started');
    const listed = () =>
      current()
        .primary.workers()
        .find((worker) => worker.pid === member.pid);
    await waitFor('the worker to join', () => listed() !== undefined);
    const workerId = listed()?.workerId ?? -1;
    // Joined is not yet listening: one call proves its rpc object answers.
    await current().primary.call(workerId, 'none');
    return {
      workerId,
      info: { side: 'worker', workerId, pid: member.pid, host: hostname() },
      async kill() {
        await member.kill('SIGKILL');
        await waitFor('the primary to drop the worker', () => listed() === undefined, 5000);
      },
    };
  },
  pendingCount: () => rpc?.pendingCount() ?? 0,
};

describe('over the socket under node:cluster', () => {
  describeCallSemantics(underCluster);
});

describe('over the socket with a path', () => {
  describeCallSemantics(withPath);
});
