/**
 * The shared suites' harnesses over node:cluster, with this test file as the primary and real forked workers: one
 * maker per suite, for cluster IPC and for any transport that rides on node:cluster (the socket's rendezvous).
 */
import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import type { Transport } from '../../src/transport.js';
import { createTestRpc, type TestRpc } from '../fixtures/app.js';
import { createStreamsRpc, type StreamsRpc } from '../fixtures/streams-app.js';
import { createTracingRpc, spansHere } from '../fixtures/tracing-app.js';
import { exited, killAllWorkers, useWorkerScript } from '../helpers/cluster.js';
import type { CallHarness, HarnessWorker } from './call-semantics.js';
import type { StreamHarness, StreamHarnessWorker } from './stream-semantics.js';
import type { TracingHarness } from './tracing-semantics.js';

async function kill(worker: Worker): Promise<void> {
  const done = exited(worker);
  worker.process.kill('SIGKILL');
  await done;
}

/** A call harness whose workers run `script`; `rpc()` is the primary's rpc object while the suite runs. */
export function forkedCallHarness(
  name: string,
  script: string,
  transport?: () => Transport,
): { readonly harness: CallHarness; rpc(): TestRpc | undefined } {
  let rpc: TestRpc | undefined;
  const harness: CallHarness = {
    name,
    async start() {
      useWorkerScript(script);
      rpc = createTestRpc(transport?.());
    },
    async stop() {
      await rpc?.close();
      rpc = undefined;
      await killAllWorkers();
    },
    get primary() {
      if (!rpc) throw new Error('not started');
      return rpc.primary;
    },
    async addWorker(): Promise<HarnessWorker> {
      const worker = cluster.fork();
      await this.primary.call(worker, 'none');
      return {
        workerId: worker.id,
        info: { side: 'worker', workerId: worker.id, pid: worker.process.pid ?? 0, host: hostname() },
        kill: () => kill(worker),
      };
    },
    pendingCount: () => rpc?.pendingCount() ?? 0,
  };
  return { harness, rpc: () => rpc };
}

/** A stream harness whose workers `fork()` starts (it sets up node:cluster itself); `rpc()` as above. */
export function forkedStreamHarness(
  name: string,
  fork: () => Worker,
  transport?: () => Transport,
): { readonly harness: StreamHarness; rpc(): StreamsRpc } {
  let rpc: StreamsRpc | undefined;
  const current = (): StreamsRpc => {
    if (!rpc) throw new Error('not started');
    return rpc;
  };
  const harness: StreamHarness = {
    name,
    async start() {
      rpc = createStreamsRpc(transport?.());
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
      const worker = fork();
      await current().primary.call(worker, 'plain');
      return { workerId: worker.id, kill: () => kill(worker) };
    },
    async pendingAll(worker) {
      const there = await current().primary.call(worker.workerId, 'drive.pending');
      return there + current().pendingCount();
    },
  };
  return { harness, rpc: current };
}

/** A tracing harness: two forked workers running `script`, each process recording its own spans. */
export function forkedTracingHarness(name: string, script: string, transport?: () => Transport): TracingHarness {
  let rpc: ReturnType<typeof createTracingRpc> | undefined;
  let workers: Worker[] = [];
  const primary = () => {
    if (!rpc) throw new Error('not started');
    return rpc.primary;
  };
  return {
    name,
    separateProcesses: true,
    async start() {
      useWorkerScript(script);
      rpc = createTracingRpc(transport?.());
      workers = [cluster.fork(), cluster.fork()];
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
  };
}
