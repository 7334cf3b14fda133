import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/cluster.js';
import { describeCallSemantics } from '../suites/call-semantics.js';
import { forkedCallHarness } from '../suites/forked-harnesses.js';

const { harness: clusterIpc, rpc } = forkedCallHarness('cluster IPC', fixture('worker.ts'));

describe('over cluster IPC', () => {
  describeCallSemantics(clusterIpc);

  it('reading rpc.worker in the primary throws at once, naming this side', () => {
    expect(() => rpc()?.worker).toThrow(/only available in the workers; this process is the primary/);
  });
});
