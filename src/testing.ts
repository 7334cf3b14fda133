/**
 * A primary and its workers in the calling process, for testing routers without forking: {@link createTestCluster}.
 * ```ts
 * import { createTestCluster } from 'cluster-rpc/testing';
 * ```
 * @packageDocumentation
 * @module cluster-rpc/testing
 */
export {
  createTestCluster,
  type TestCluster,
  type TestClusterOptions,
  type TestClusterWorkers,
} from './sides/test-cluster.js';
