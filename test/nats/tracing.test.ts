/**
 * Tracing over NATS: the test file is the primary, two worker processes run
 * the tracing app (fixtures/app-worker.ts) through a real nats-server; the trace context
 * crosses in the frames' headers as over IPC.
 */
import { natsTransport } from '../../src/nats.js';
import { startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { createTracingRpc, spansHere } from '../fixtures/tracing-app.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { describeTracing } from '../suites/tracing-semantics.js';

const LIVENESS_MS = 1000;
const CLUSTER = `tracing-${process.pid}`;

let rpc: ReturnType<typeof createTracingRpc> | undefined;

const primary = () => {
  if (!rpc) throw new Error('not started');
  return rpc.primary;
};

describeNats('tracing over NATS', () => {
  describeTracing({
    name: 'NATS',
    separateProcesses: true,
    async start() {
      const server = await startNatsServer();
      rpc = createTracingRpc(natsTransport({ servers: server.url, cluster: CLUSTER, role: 'primary', livenessMs: LIVENESS_MS }));
      const members = [0, 1].map(() =>
        startMember({ role: 'worker', servers: [server.url], cluster: CLUSTER, livenessMs: LIVENESS_MS, app: 'tracing' }),
      );
      await Promise.all(members.map((member) => member.next('started')));
      await waitFor('both workers to join', () => primary().workers().length === 2);
    },
    async stop() {
      await rpc?.close();
      await killAllMembers();
      await stopNatsServers();
    },
    get primary() {
      return primary();
    },
    workerIds() {
      const [first, second] = primary().workers();
      return [first?.workerId ?? 0, second?.workerId ?? 0];
    },
    async spans(traceId) {
      const remote = await Promise.all(
        primary()
          .workers()
          .map((worker) => primary().call(worker.workerId, 'spans', traceId)),
      );
      return [...spansHere(traceId), ...remote.flat()];
    },
  });
});
