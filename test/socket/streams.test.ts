/**
 * The stream semantics over the socket transport under node:cluster: the
 * shared suite (both directions, flow control, cancellation, errors, peer
 * death) against real forked workers, this test file being the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { socketTransport } from '../../src/socket.js';
import { forkedStreamHarness } from '../suites/forked-harnesses.js';
import { describeStreamSemantics } from '../suites/stream-semantics.js';

const STREAMS_WORKER = fileURLToPath(new URL('./fixtures/streams-worker.ts', import.meta.url));

/** Forks a streams worker; the rendezvous gives it the socket over IPC. */
function forkStreamsWorker(): Worker {
  cluster.setupPrimary({ exec: STREAMS_WORKER, execArgv: ['--import', 'tsx'], silent: false });
  return cluster.fork();
}

const underCluster = forkedStreamHarness('the socket under node:cluster', forkStreamsWorker, () => socketTransport()).harness;

describe('over the socket under node:cluster', () => {
  describeStreamSemantics(underCluster);
});
