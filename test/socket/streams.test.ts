/**
 * The stream semantics over the socket transport under node:cluster: the
 * shared suite (both directions, flow control, cancellation, errors, peer
 * death) against real forked workers, this test file being the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { socketTransport } from '../../src/socket.js';
import { createStreamsRpc, type StreamsRpc } from '../fixtures/streams-app.js';
import { exited, killAllWorkers } from '../helpers/cluster.js';
import { describeStreamSemantics, type StreamHarness, type StreamHarnessWorker } from '../suites/stream-semantics.js';

const STREAMS_WORKER = fileURLToPath(new URL('./fixtures/streams-worker.ts', import.meta.url));

let rpc: StreamsRpc | undefined;

function current(): StreamsRpc {
  if (!rpc) throw new Error('not started');
  return rpc;
}

const underCluster: StreamHarness = {
  name: 'the socket under node:cluster',
  async start() {
    cluster.setupPrimary({ exec: STREAMS_WORKER, execArgv: ['--import', 'tsx'], silent: false });
    rpc = createStreamsRpc(socketTransport());
  },
  async stop() {
    await rpc?.close();
    rpc = undefined;
    await killAllWorkers();
  },
  get primary() {
    return current().primary;
  },
  async addWorker(): Promise<StreamHarnessWorker> {
    const worker: Worker = cluster.fork();
    await current().primary.call(worker, 'plain');
    return {
      workerId: worker.id,
      async kill() {
        const done = exited(worker);
        worker.process.kill('SIGKILL');
        await done;
      },
    };
  },
  async pendingAll(worker) {
    const there = await current().primary.call(worker.workerId, 'drive.pending');
    return there + current().pendingCount();
  },
};

describe('over the socket under node:cluster', () => {
  describeStreamSemantics(underCluster);
});
