/**
 * The stream semantics over NATS: the shared suite (both directions, flow
 * control, cancellation, errors, peer death within the liveness bound)
 * against real worker processes joined through a real nats-server, this test
 * file being the primary.
 */
import { natsTransport } from '../../src/nats.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { createStreamsRpc, type StreamsRpc } from '../fixtures/streams-app.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { describeStreamSemantics, type StreamHarness, type StreamHarnessWorker } from '../suites/stream-semantics.js';

const LIVENESS_MS = 1000;
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
    server = await startNatsServer();
    rpc = createStreamsRpc(natsTransport({ servers: server.url, cluster: CLUSTER, role: 'primary', livenessMs: LIVENESS_MS }));
  },
  async stop() {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
    await stopNatsServers();
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
      app: 'streams',
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
