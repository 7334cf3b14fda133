/**
 * The stream semantics over the in-process test cluster of
 * `cluster-rpc/testing`: the same suite as over cluster IPC, with no process
 * forked; and a cluster closing while streams run both ways.
 */
import { describe, expect, it } from 'vitest';
import { createTestCluster, type TestCluster } from '../../src/testing.js';
import {
  createStreamsRpc,
  primaryRouter,
  readWith,
  recordError,
  recordHere,
  type StreamsRpc,
  workerRouter,
} from '../fixtures/streams-app.js';
import { describeStreamSemantics, type StreamHarness, type StreamHarnessWorker } from '../suites/stream-semantics.js';

type StreamsCluster = TestCluster<typeof primaryRouter, typeof workerRouter, never>;

let cluster: StreamsCluster | undefined;
// The handlers reach the other side through `rpc.for(ctx)`; a real rpc object lives next to the test cluster.
let rpc: StreamsRpc | undefined;

function running(): StreamsCluster {
  if (!cluster) throw new Error('not started');
  return cluster;
}

function startCluster(): StreamsCluster {
  return createTestCluster({
    primary: primaryRouter,
    worker: workerRouter,
    workers: 0,
    timeout: 20_000,
    onError: recordError,
  }) as StreamsCluster;
}

const inProcess: StreamHarness = {
  name: 'in-process',
  async start() {
    rpc = createStreamsRpc();
    cluster = startCluster();
  },
  async stop() {
    await cluster?.close();
    await rpc?.close();
  },
  get primary() {
    return running().primary;
  },
  async addWorker(): Promise<StreamHarnessWorker> {
    const current = running();
    current.fork();
    const workerId = current.workers.length;
    await current.primary.call(workerId, 'plain');
    return {
      workerId,
      async kill() {
        current.kill(workerId);
      },
    };
  },
  async pendingAll() {
    return running().pendingCount();
  },
};

describe('over the in-process test cluster', () => {
  describeStreamSemantics(inProcess);

  it('closing the cluster ends the streams it reads and serves with SHUTTING_DOWN, both ways', async () => {
    const closing = startCluster();
    const [worker] = [closing.fork()];
    const primaryReads = readWith((options) => closing.primary.stream(1, 'endless', { tag: 'close-p' }, options), {
      paceMs: 5,
    });
    const workerReads = readWith((options) => worker.stream('endless', { tag: 'close-w' }, options), { paceMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    for (const outcome of await Promise.all([primaryReads, workerReads])) {
      expect(outcome.count).toBeGreaterThan(0);
      expect(outcome.error).toMatchObject({ code: 'SHUTTING_DOWN' });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const tag of ['close-p', 'close-w']) {
      expect(recordHere(tag)).toMatchObject({ finallyRan: true, abortReason: 'SHUTTING_DOWN' });
    }
    expect(closing.pendingCount()).toBe(0);
  });
});
