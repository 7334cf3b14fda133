/** The largest frame a transport that reads byte streams accepts, from the rpc options. @module */
import type { TransportLimits } from './transport.js';

/** A frame is at most a batch of small envelopes plus one payload, which JSON's escapes can make six times as large. */
const FRAME_BYTES_PER_PAYLOAD_BYTE = 6;
const FRAME_OVERHEAD_BYTES = 1024 * 1024;

/** The largest frame a peer may send, in bytes: anything larger is hostile or broken. */
export function maxFrameBytes(limits: TransportLimits): number {
  return FRAME_BYTES_PER_PAYLOAD_BYTE * limits.maxPayloadBytes + FRAME_OVERHEAD_BYTES;
}
