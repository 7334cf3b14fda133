/**
 * Tracing over the socket transport under node:cluster: the test file is the
 * primary, two forked workers run fixtures/tracing-worker.ts; the frames,
 * and the trace context in their headers, go over the Unix socket.
 */
import type { Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { socketTransport } from '../../src/socket.js';
import { createTracingRpc, spansHere } from '../fixtures/tracing-app.js';
import { fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import { describeTracing } from '../suites/tracing-semantics.js';

const WORKER = fileURLToPath(new URL('./fixtures/tracing-worker.ts', import.meta.url));

let rpc: ReturnType<typeof createTracingRpc> | undefined;
let workers: Worker[] = [];

const primary = () => {
  if (!rpc) throw new Error('not started');
  return rpc.primary;
};

describeTracing({
  name: 'the socket under node:cluster',
  separateProcesses: true,
  async start() {
    useWorkerScript(WORKER);
    rpc = createTracingRpc(socketTransport());
    workers = [fork(), fork()];
    await Promise.all(workers.map((worker) => primary().call(worker, 'pings')));
  },
  async stop() {
    await rpc?.close();
    await killAllWorkers();
  },
  get primary() {
    return primary();
  },
  workerIds: () => [workers[0]?.id ?? 0, workers[1]?.id ?? 0],
  async spans(traceId) {
    const remote = await Promise.all(workers.map((worker) => primary().call(worker, 'spans', traceId)));
    return [...spansHere(traceId), ...remote.flat()];
  },
});
