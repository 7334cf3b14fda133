/**
 * The stream semantics over NATS: the shared suite (both directions, flow
 * control, cancellation, errors, peer death within the liveness bound)
 * against real worker processes joined through a real nats-server, this test
 * file being the primary.
 */
import { fileURLToPath } from 'node:url';
import { natsTransport } from '../../src/nats.js';
import { createStreamsRpc, type StreamsRpc } from '../fixtures/streams-app.js';
import { describeStreamSemantics, type StreamHarness, type StreamHarnessWorker } from '../suites/stream-semantics.js';
import { killAllMembers, startMember } from './helpers/members.js';
import { describeNats, type NatsServer, startServer, stopAllServers } from './helpers/nats-server.js';
import { waitFor } from './helpers/wait.js';

const LIVENESS_MS = 1000;
const STREAMS_WORKER = fileURLToPath(new URL('./fixtures/streams-worker.ts', import.meta.url));
const CLUSTER = `streams-${process.pid}`;

let server: NatsServer | undefined;
let rpc: StreamsRpc | undefined;

function current(): StreamsRpc {
  if (!rpc) throw new Error('not started');
  return rpc;
}

const overNats: StreamHarness = {
  name: 'NATS',
  async start() {
    server = await startServer();
    rpc = createStreamsRpc(natsTransport({ servers: server.url, cluster: CLUSTER, role: 'primary', livenessMs: LIVENESS_MS }));
  },
  async stop() {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
    await stopAllServers();
  },
  get primary() {
    return current().primary;
  },
  async addWorker(): Promise<StreamHarnessWorker> {
    if (!server) throw new Error('not started');
    const member = startMember({
      role: 'worker',
      servers: [server.url],
      cluster: CLUSTER,
      livenessMs: LIVENESS_MS,
      script: STREAMS_WORKER,
    });
    await member.next('started');
    const listed = () =>
      current()
        .primary.workers()
        .find((worker) => worker.pid === member.pid);
    await waitFor('the worker to join', () => listed() !== undefined);
    const workerId = listed()?.workerId ?? -1;
    // Joined is not yet listening: one call proves its rpc object answers.
    await current().primary.call(workerId, 'plain');
    return {
      workerId,
      async kill() {
        await member.kill('SIGKILL');
        await waitFor('the primary to drop the worker', () => listed() === undefined, 5000);
      },
    };
  },
  async pendingAll(worker) {
    const there = await current().primary.call(worker.workerId, 'drive.pending');
    return there + current().pendingCount();
  },
};

describeNats('over NATS', () => {
  describeStreamSemantics(overNats);
});
