/** What the manager tells its workers through their environment, and how a foreign primary (PM2) is recognised. @module */
import cluster from 'node:cluster';
import { isPm2ClusterInstance } from '../transports/cluster-ipc.js';
/** The shutdown grace period, in ms, for `serveWorker` in the workers. @internal */
export const GRACE_ENV = 'CLUSTER_RPC_SHUTDOWN_GRACE_MS';

/** Under PM2's cluster mode, why no manager can run here: PM2's daemon is the cluster primary. @internal */
export function pm2ClusterModeProblem(): string | undefined {
  if (!isPm2ClusterInstance()) return undefined;
  return (
    `this process runs under PM2's cluster mode (pm_id ${process.env.pm_id}): PM2's daemon is the cluster primary, ` +
    'so no manager can fork workers here. Either let PM2 run the instances, with socketTransport({ path, role }) ' +
    "from cluster-rpc/socket and serveWorker in each, or start the app with PM2 in fork mode (exec_mode: 'fork', " +
    'instances: 1) and let createClusterManager fork the workers'
  );
}

export function managerRefusal(): string | undefined {
  const pm2 = pm2ClusterModeProblem();
  if (pm2) return pm2;
  if (cluster.isWorker) {
    return `this process is cluster worker ${cluster.worker?.id ?? '?'}; the manager runs in the primary (check cluster.isPrimary first)`;
  }
  return undefined;
}

export function inheritedGraceMs(): number | undefined {
  const raw = process.env[GRACE_ENV];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
