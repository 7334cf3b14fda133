/**
 * The fault suite's rows on a worker that dies or closes its channel with 100 calls in flight each way, run as they are
 * (test/faults/worker-death.test.ts) over the socket transport under node:cluster.
 */
process.env.FAULT_TRANSPORT = 'socket';
await import('../faults/worker-death.test.js');
