/**
 * Tracing over the socket transport under node:cluster: the test file is the
 * primary, two forked workers run fixtures/tracing-worker.ts; the frames,
 * and the trace context in their headers, go over the Unix socket.
 */
import { fileURLToPath } from 'node:url';
import { socketTransport } from '../../src/socket.js';
import { forkedTracingHarness } from '../suites/forked-harnesses.js';
import { describeTracing } from '../suites/tracing-semantics.js';

const WORKER = fileURLToPath(new URL('./fixtures/tracing-worker.ts', import.meta.url));

describeTracing(forkedTracingHarness('the socket under node:cluster', WORKER, () => socketTransport()));
