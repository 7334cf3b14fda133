/** Opens a contender by name, on either side. */
import type { Worker } from 'node:cluster';
import { openBirpcPrimary, openBirpcWorker } from './birpc.js';
import { openClusterRpcPrimary, openClusterRpcWorker } from './cluster-rpc.js';
import { baselineLibrary } from './library.js';
import { openRawPrimary, openRawWorker } from './raw.js';
import type { ContenderName, PrimaryContender, WorkerContender } from './types.js';

export type { ContenderName, WorkerContender } from './types.js';

/** Attaches `name` in the primary, for `workers`. */
export function openPrimaryContender(name: ContenderName, workers: readonly Worker[]): PrimaryContender {
  switch (name) {
    case 'raw':
      return openRawPrimary(workers);
    case 'raw+zod':
      return openRawPrimary(workers, true);
    case 'birpc':
      return openBirpcPrimary(workers);
    case 'birpc+sj+zod':
      return openBirpcPrimary(workers, true);
    case 'cluster-rpc':
      return openClusterRpcPrimary();
    case 'cluster-rpc+metrics':
      return openClusterRpcPrimary({ metrics: true });
    case 'raw/socket':
      return openRawPrimary(workers, false, true);
    case 'cluster-rpc/socket':
      return openClusterRpcPrimary({ socket: true });
    case 'cluster-rpc+otel':
      return openClusterRpcPrimary({ tracing: 'api' });
    case 'cluster-rpc+otel-sdk':
      return openClusterRpcPrimary({ tracing: 'sdk' });
    case 'cluster-rpc@base':
      return openClusterRpcPrimary({ library: baselineLibrary() });
  }
}

/** Attaches `name` in this worker. */
export function openWorkerContender(name: ContenderName): WorkerContender {
  switch (name) {
    case 'raw':
      return openRawWorker();
    case 'raw+zod':
      return openRawWorker(true);
    case 'birpc':
      return openBirpcWorker();
    case 'birpc+sj+zod':
      return openBirpcWorker(true);
    case 'cluster-rpc':
      return openClusterRpcWorker();
    case 'cluster-rpc+metrics':
      return openClusterRpcWorker({ metrics: true });
    case 'raw/socket':
      return openRawWorker(false, true);
    case 'cluster-rpc/socket':
      return openClusterRpcWorker({ socket: true });
    case 'cluster-rpc+otel':
      return openClusterRpcWorker({ tracing: 'api' });
    case 'cluster-rpc+otel-sdk':
      return openClusterRpcWorker({ tracing: 'sdk' });
    case 'cluster-rpc@base':
      return openClusterRpcWorker({ library: baselineLibrary() });
  }
}
