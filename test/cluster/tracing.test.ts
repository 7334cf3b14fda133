/**
 * Tracing over cluster IPC: the test file is the primary, two forked workers
 * run test/fixtures/tracing-worker.ts; each process records its own spans.
 */
import { fixture } from '../helpers/cluster.js';
import { forkedTracingHarness } from '../suites/forked-harnesses.js';
import { describeTracing } from '../suites/tracing-semantics.js';

describeTracing(forkedTracingHarness('cluster IPC', fixture('tracing-worker.ts')));
