/**
 * The fault suite's rows on payloads over maxPayloadBytes and values the channel cannot carry, run as they are
 * (test/faults/payload-limits.test.ts) over the socket transport under node:cluster.
 */
process.env.FAULT_TRANSPORT = 'socket';
await import('../faults/payload-limits.test.js');
