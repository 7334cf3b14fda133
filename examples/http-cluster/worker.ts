/**
 * A worker: the HTTP server. Every request calls the primary (global hit
 * counter and rate limit); `/stats`, `/settings` and `/metrics` go through
 * the primary to reach every worker. `serveWorker` drains it on SIGTERM.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveWorker } from '../../src/cluster.js';
import { PROMETHEUS_CONTENT_TYPE, RpcError } from '../../src/index.js';
import { httpRequests, rpc, settingsSchema, workerState } from './shared.js';
import { inRequestSpan } from './tracing.js';

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST ?? '127.0.0.1';
const workerId = cluster.worker?.id ?? 0;

rpc.worker.on('settingsChanged', (settings) => {
  workerState.settings = settings;
});

/** A JSON answer, or a text one with its content type. */
type Answer = [status: number, body: unknown] | [status: number, text: string, contentType: string];
type Route = (url: URL, request: http.IncomingMessage) => Promise<Answer>;

const routes: Record<string, Route> = {
  'GET /': async () => {
    const { allowed, total } = await rpc.worker.call('hits.record');
    if (!allowed) return [429, { error: 'rate limited', pid: process.pid }];
    return [200, { greeting: workerState.settings.greeting, hits: total, workerId, pid: process.pid }];
  },
  'GET /stats': async () => [200, await rpc.worker.call('cluster.stats')],
  'GET /settings': async () => [200, await rpc.worker.call('settings.get')],
  'POST /settings': async (url) => {
    const change: Record<string, unknown> = {};
    for (const [key, value] of url.searchParams) change[key] = key === 'rateLimitPerSecond' ? Number(value) : value;
    const parsed = settingsSchema.partial().strict().safeParse(change);
    if (!parsed.success) return [400, { error: parsed.error.issues.map((issue) => issue.message) }];
    return [200, await rpc.worker.call('settings.set', parsed.data)];
  },
  /** The whole cluster's metrics, for Prometheus: the primary gathers every process's. */
  'GET /metrics': async () => [200, await rpc.worker.call('cluster.metrics'), PROMETHEUS_CONTENT_TYPE],
  /** Takes `ms` (at most 30 s): to watch a graceful shutdown wait for it. */
  'GET /slow': async (url) => {
    await sleep(Math.min(Number(url.searchParams.get('ms') ?? 2000) || 0, 30_000));
    const { total } = await rpc.worker.call('hits.record');
    return [200, { slow: true, hits: total, workerId, pid: process.pid }];
  },
};

const STATUS_OF_CODE: Record<string, number> = { BAD_REQUEST: 400, TIMEOUT: 504, DISCONNECTED: 503, SHUTTING_DOWN: 503 };

const server = http.createServer(async (request, response) => {
  workerState.requests++;
  const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
  const name = `${request.method} ${url.pathname}`;
  const route = routes[name];
  // The request's span (with TRACING=1): the rpc calls the route makes are its children, and the primary's spans theirs.
  const answer = await inRequestSpan(request.method ?? 'GET', route ? url.pathname : 'other', request.headers, async (span) => {
    let answer: Answer;
    try {
      answer = route ? await route(url, request) : [404, { error: `no route ${name}` }];
    } catch (error) {
      const status = error instanceof RpcError ? (STATUS_OF_CODE[error.code] ?? 500) : 500;
      answer = [status, { error: error instanceof Error ? error.message : String(error) }];
    }
    span.setAttribute('http.response.status_code', answer[0]);
    span.end();
    return answer;
  });
  httpRequests.inc({ route: route ? name : 'other', status: answer[0] });
  if (answer.length === 3) {
    response.writeHead(answer[0], { 'content-type': answer[2] });
    response.end(answer[1]);
  } else {
    response.writeHead(answer[0], { 'content-type': 'application/json' });
    response.end(`${JSON.stringify(answer[1])}\n`);
  }
});

// The rpc object exists before the server listens, so the primary hears this worker's hello first.
server.listen(port, host);
serveWorker({ server, rpc, logger: false });
