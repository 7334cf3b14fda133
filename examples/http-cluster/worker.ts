/**
 * A worker: the HTTP server. Every request calls the primary (global hit
 * counter and rate limit); `/stats` and `/settings` go through the primary to
 * reach every worker. `serveWorker` drains it on SIGTERM.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveWorker } from '../../src/cluster/index.js';
import { RpcError } from '../../src/index.js';
import { rpc, settingsSchema, workerState } from './shared.js';

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST ?? '127.0.0.1';
const workerId = cluster.worker?.id ?? 0;

rpc.worker.on('settingsChanged', (settings) => {
  workerState.settings = settings;
});

/** Calls the primary and records how long the call took, for the status line. */
async function measured<T>(call: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  try {
    return await call();
  } finally {
    workerState.window.calls++;
    workerState.window.latency.record(performance.now() - startedAt);
  }
}

type Route = (url: URL, request: http.IncomingMessage) => Promise<[status: number, body: unknown]>;

const routes: Record<string, Route> = {
  'GET /': async () => {
    const { allowed, total } = await measured(() => rpc.worker.call('hits.record'));
    if (!allowed) return [429, { error: 'rate limited', pid: process.pid }];
    return [200, { greeting: workerState.settings.greeting, hits: total, workerId, pid: process.pid }];
  },
  'GET /stats': async () => [200, await measured(() => rpc.worker.call('cluster.stats'))],
  'GET /settings': async () => [200, await measured(() => rpc.worker.call('settings.get'))],
  'POST /settings': async (url) => {
    const change: Record<string, unknown> = {};
    for (const [key, value] of url.searchParams) change[key] = key === 'rateLimitPerSecond' ? Number(value) : value;
    const parsed = settingsSchema.partial().strict().safeParse(change);
    if (!parsed.success) return [400, { error: parsed.error.issues.map((issue) => issue.message) }];
    return [200, await measured(() => rpc.worker.call('settings.set', parsed.data))];
  },
  /** Takes `ms` (at most 30 s): to watch a graceful shutdown wait for it. */
  'GET /slow': async (url) => {
    await sleep(Math.min(Number(url.searchParams.get('ms') ?? 2000) || 0, 30_000));
    const { total } = await measured(() => rpc.worker.call('hits.record'));
    return [200, { slow: true, hits: total, workerId, pid: process.pid }];
  },
};

const STATUS_OF_CODE: Record<string, number> = { BAD_REQUEST: 400, TIMEOUT: 504, DISCONNECTED: 503, SHUTTING_DOWN: 503 };

const server = http.createServer(async (request, response) => {
  workerState.requests++;
  workerState.window.requests++;
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  const route = routes[`${request.method} ${url.pathname}`];
  let status: number;
  let body: unknown;
  try {
    [status, body] = route ? await route(url, request) : [404, { error: `no route ${request.method} ${url.pathname}` }];
  } catch (error) {
    status = error instanceof RpcError ? (STATUS_OF_CODE[error.code] ?? 500) : 500;
    body = { error: error instanceof Error ? error.message : String(error) };
  }
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
});

// The rpc object exists before the server listens, so the primary hears this worker's hello first.
server.listen(port, host);
serveWorker({ server, rpc, logger: false });
