/**
 * Tracing over cluster IPC: the test file is the primary, two forked workers
 * run test/fixtures/tracing-worker.ts; each process records its own spans.
 */
import type { Worker } from 'node:cluster';
import { createTracingRpc, spansHere } from '../fixtures/tracing-app.js';
import { fixture, fork, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import { describeTracing } from '../suites/tracing-semantics.js';

let rpc: ReturnType<typeof createTracingRpc> | undefined;
let workers: Worker[] = [];

const primary = () => {
  if (!rpc) throw new Error('not started');
  return rpc.primary;
};

describeTracing({
  name: 'cluster IPC',
  separateProcesses: true,
  async start() {
    useWorkerScript(fixture('tracing-worker.ts'));
    rpc = createTracingRpc();
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
