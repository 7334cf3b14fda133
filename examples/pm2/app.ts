/**
 * One PM2 instance: an HTTP server on `PORT` (PM2's cluster mode shares it
 * between the instances) whose requests call the rpc primary, instance 0.
 * Instance 0 also answers on `ADMIN_PORT`, on loopback: the cluster as the
 * primary sees it, through calls to the workers.
 */
import http from 'node:http';
import { serveWorker } from '../../src/cluster.js';
import { RpcError } from '../../src/index.js';
import { countVisit, instance, isPrimary, rpc } from './rpc.js';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const adminPort = Number(process.env.ADMIN_PORT ?? 3001);

type Answer = readonly [status: number, body: unknown];

async function visit(url: URL): Promise<Answer> {
  const workMs = Number(url.searchParams.get('work') ?? 0);
  // Instance 0 is the primary: it counts the visits it serves itself.
  const counted = isPrimary ? countVisit() : await rpc.worker.call('visits.count', { workMs });
  return [200, { instance, pid: process.pid, ...counted }];
}

async function admin(url: URL): Promise<Answer> {
  if (url.pathname === '/workers') return [200, await rpc.primary.callAll('whoami')];
  const wait = /^\/workers\/(\d+)\/wait$/.exec(url.pathname);
  if (wait) {
    const ms = Number(url.searchParams.get('ms') ?? 10_000);
    return [200, await rpc.primary.call(Number(wait[1]), 'wait', { ms }, { timeout: ms + 5000 })];
  }
  return [404, { error: 'not found' }];
}

function serve(handle: (url: URL) => Promise<Answer>): http.Server {
  return http.createServer(async (request, response) => {
    let answer: Answer;
    try {
      answer = await handle(new URL(request.url ?? '/', 'http://localhost'));
    } catch (error) {
      answer = error instanceof RpcError ? [503, { code: error.code, error: error.message }] : [500, { error: String(error) }];
    }
    response.writeHead(answer[0], { 'content-type': 'application/json' });
    response.end(`${JSON.stringify(answer[1])}\n`);
  });
}

const servers = [serve(visit).listen(port, host)];
if (isPrimary) servers.push(serve(admin).listen(adminPort, '127.0.0.1'));

// PM2 stops an instance with SIGINT, and SIGKILLs it `kill_timeout` ms later: drain well within that.
serveWorker({ server: servers, rpc, graceMs: Number(process.env.GRACE_MS ?? 4000) });
