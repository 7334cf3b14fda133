/** Which cluster-rpc the contenders run: this tree's `src/`, or the `--baseline=<dir>` build for `cluster-rpc@base`. */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as own from '../../../src/index.js';
import { socketTransport } from '../../../src/socket.js';

export type Library = Pick<typeof own, 'createClusterRpc' | 'defineEvents' | 'defineRouter' | 'procedure'> & {
  readonly socketTransport: typeof socketTransport;
  /** `cluster-rpc@base` over the build's own `socketTransport()` (`--baseline-socket`). */
  readonly overSocket?: boolean;
};

export const OWN_LIBRARY: Library = { ...own, socketTransport };

/** Where the primary tells its workers (which inherit its environment) the baseline is, and whether over its socket. */
const BASELINE_ENV = 'CRPC_BENCH_BASELINE';
const BASELINE_SOCKET_ENV = 'CRPC_BENCH_BASELINE_SOCKET';

let baseline: Library | undefined;

/** In the primary, before the workers are forked: the baseline build's folder, and whether it runs over its socket transport. */
export function setBaseline(dir: string, overSocket: boolean): void {
  process.env[BASELINE_ENV] = resolve(dir);
  if (overSocket) process.env[BASELINE_SOCKET_ENV] = '1';
}

/** Loads the baseline build, if one was given; every process calls it before its first phase. */
export async function loadBaseline(): Promise<void> {
  const dir = process.env[BASELINE_ENV];
  if (!dir) return;
  const index = (await import(pathToFileURL(join(dir, 'src', 'index.js')).href)) as typeof own;
  if (process.env[BASELINE_SOCKET_ENV] !== '1') {
    baseline = { ...index, socketTransport, overSocket: false };
    return;
  }
  // Only then: builds older than the socket transport have no src/socket.js.
  const socket = (await import(pathToFileURL(join(dir, 'src', 'socket.js')).href)) as { socketTransport: typeof socketTransport };
  baseline = { ...index, socketTransport: socket.socketTransport, overSocket: true };
}

export function baselineLibrary(): Library {
  if (!baseline) throw new Error('cluster-rpc@base needs --baseline=<dir of another build, holding src/index.js>');
  return baseline;
}
