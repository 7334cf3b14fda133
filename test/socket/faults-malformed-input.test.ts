/**
 * The fault suite's rows on malformed and hostile frames, and hostile procedure paths, run as they are
 * (test/faults/malformed-input.test.ts) over the socket transport under node:cluster.
 */
process.env.FAULT_TRANSPORT = 'socket';
await import('../faults/malformed-input.test.js');
