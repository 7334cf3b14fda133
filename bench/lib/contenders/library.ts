/**
 * Which cluster-rpc the cluster-rpc contenders run: this tree's `src/`, or,
 * for `cluster-rpc@base`, another build given with `--baseline=<dir>` (a
 * folder holding `src/index.js`, such as another checkout's
 * node_modules/.cache/cluster-rpc-bench), so a change and what it changes
 * run side by side in the same rounds and processes.
 *
 * @module
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as own from '../../../src/index.js';

/** What the contenders use of cluster-rpc. */
export type Library = Pick<typeof own, 'createClusterRpc' | 'defineEvents' | 'defineRouter' | 'procedure'>;

/** This tree's cluster-rpc. */
export const OWN_LIBRARY: Library = own;

/** Where the primary tells its workers (which inherit its environment) the baseline is. */
const BASELINE_ENV = 'CRPC_BENCH_BASELINE';

let baseline: Library | undefined;

/** In the primary, before the workers are forked: the baseline build's folder. */
export function setBaseline(dir: string): void {
  process.env[BASELINE_ENV] = resolve(dir);
}

/** Loads the baseline build, if one was given; every process calls it before its first phase. */
export async function loadBaseline(): Promise<void> {
  const dir = process.env[BASELINE_ENV];
  if (dir) baseline = (await import(pathToFileURL(join(dir, 'src', 'index.js')).href)) as Library;
}

/** The baseline build, loaded. */
export function baselineLibrary(): Library {
  if (!baseline) throw new Error('cluster-rpc@base needs --baseline=<dir of another build, holding src/index.js>');
  return baseline;
}
