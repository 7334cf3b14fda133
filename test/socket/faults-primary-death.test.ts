/**
 * The fault suite's rows on the primary SIGKILLed with 100 calls in flight each way to every worker, run as they are
 * (test/faults/primary-death.test.ts) over the socket transport under node:cluster.
 */
process.env.FAULT_TRANSPORT = 'socket';
await import('../faults/primary-death.test.js');
