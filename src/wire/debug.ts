/** `NODE_DEBUG=cluster-rpc` prints what cluster-rpc dropped and why; otherwise this costs nothing. @module */
import { debuglog } from 'node:util';

const log = debuglog('cluster-rpc');

/** Logs a line when `NODE_DEBUG=cluster-rpc`; `describe` only runs then. */
export function debug(describe: () => string): void {
  if (log.enabled) log(describe());
}
