/** Opens a contender by name, on either side. */
import type { Worker } from 'node:cluster';
import { openBirpcPrimary, openBirpcWorker } from './birpc.js';
import { type ClusterRpcVariant, openClusterRpcPrimary, openClusterRpcWorker } from './cluster-rpc.js';
import { baselineLibrary } from './library.js';
import { openRawPrimary, openRawWorker } from './raw.js';
import type { ContenderName, PrimaryContender, WorkerContender } from './types.js';

export type { ContenderName, WorkerContender } from './types.js';

type Openers = { primary(workers: readonly Worker[]): PrimaryContender; worker(): WorkerContender };

/** A cluster-rpc variant on both sides; `variant` is read when a side opens (the baseline is loaded by then). */
const crpc = (variant: () => ClusterRpcVariant = () => ({})): Openers => ({
  primary: () => openClusterRpcPrimary(variant()),
  worker: () => openClusterRpcWorker(variant()),
});

const OPENERS: Readonly<Record<ContenderName, Openers>> = {
  raw: { primary: (workers) => openRawPrimary(workers), worker: () => openRawWorker() },
  'raw+zod': { primary: (workers) => openRawPrimary(workers, true), worker: () => openRawWorker(true) },
  birpc: { primary: (workers) => openBirpcPrimary(workers), worker: () => openBirpcWorker() },
  'birpc+sj+zod': { primary: (workers) => openBirpcPrimary(workers, true), worker: () => openBirpcWorker(true) },
  'cluster-rpc': crpc(),
  'cluster-rpc+metrics': crpc(() => ({ metrics: true })),
  'raw/socket': { primary: (workers) => openRawPrimary(workers, false, true), worker: () => openRawWorker(false, true) },
  'cluster-rpc/socket': crpc(() => ({ socket: true })),
  'cluster-rpc+otel': crpc(() => ({ tracing: 'api' })),
  'cluster-rpc+otel-sdk': crpc(() => ({ tracing: 'sdk' })),
  'cluster-rpc@base': crpc(() => ({ library: baselineLibrary() })),
};

/** Attaches `name` in the primary, for `workers`. */
export function openPrimaryContender(name: ContenderName, workers: readonly Worker[]): PrimaryContender {
  return OPENERS[name].primary(workers);
}

/** Attaches `name` in this worker. */
export function openWorkerContender(name: ContenderName): WorkerContender {
  return OPENERS[name].worker();
}
