/**
 * The fault suite's rows on backpressure both ways, and sending while the channel closes, run as they are
 * (test/faults/backpressure-and-closing.test.ts) over the socket transport under node:cluster.
 */
process.env.FAULT_TRANSPORT = 'socket';
await import('../faults/backpressure-and-closing.test.js');
