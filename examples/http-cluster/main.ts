/**
 * `npm start`: a fork-per-CPU HTTP cluster on http://127.0.0.1:8000 (`PORT`
 * to change it, `WORKERS` for the number of workers). The same file runs as
 * the primary and as every worker.
 */
import cluster from 'node:cluster';

if (cluster.isPrimary) await import('./primary.js');
else await import('./worker.js');
