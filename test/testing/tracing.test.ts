/**
 * Tracing over the in-process test cluster of `cluster-rpc/testing`: the same
 * suite as over cluster IPC, every side in this process (one SDK records all).
 */
import { createTestCluster, type TestCluster } from '../../src/testing.js';
import {
  createTracingRpc,
  type events,
  listenToPings,
  primaryPingListener,
  type primaryRouter,
  spansHere,
  tracingOptions,
  type workerRouter,
} from '../fixtures/tracing-app.js';
import { describeTracing } from '../suites/tracing-semantics.js';

let cluster: TestCluster<typeof primaryRouter, typeof workerRouter, typeof events, 2> | undefined;
// The handlers reach the other side through `rpc.for(ctx)`; a real rpc object lives next to the test cluster.
let rpc: ReturnType<typeof createTracingRpc> | undefined;

const running = () => {
  if (!cluster) throw new Error('not started');
  return cluster;
};

describeTracing({
  name: 'test cluster',
  separateProcesses: false,
  async start() {
    rpc = createTracingRpc();
    cluster = createTestCluster({ ...tracingOptions(), workers: 2 });
    for (const worker of cluster.workers) listenToPings((listener) => worker.on('ping', listener));
    cluster.primary.on('ping', primaryPingListener);
  },
  async stop() {
    await cluster?.close();
    await rpc?.close();
  },
  get primary() {
    return running().primary;
  },
  workerIds: () => [1, 2],
  async spans(traceId) {
    return spansHere(traceId);
  },
});
