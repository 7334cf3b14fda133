/**
 * A small load generator for the example: keep-alive GETs of `/` from
 * `CONCURRENCY` connections (default 16) for `DURATION_S` seconds (default 5),
 * then the totals: requests by status and by worker pid, failures by error.
 * `npx tsx examples/http-cluster/load.ts`
 */
import http from 'node:http';

const port = Number(process.env.PORT ?? 8000);
const seconds = Number(process.env.DURATION_S ?? 5);
/** A request without an answer after this long counts as failed. */
const REQUEST_TIMEOUT_MS = 5000;
const concurrency = Number(process.env.CONCURRENCY ?? 16);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const pids = new Map<number, number>();
const statuses = new Map<number, number>();
const failures = new Map<string, number>();

function once(): Promise<void> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
        const pid = (JSON.parse(text) as { pid?: number }).pid;
        if (pid) pids.set(pid, (pids.get(pid) ?? 0) + 1);
        resolve();
      });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
      resolve();
    });
  });
}

const until = Date.now() + seconds * 1000;
const startedAt = Date.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) await once();
  }),
);
agent.destroy();
const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
console.log(
  `${total} requests in ${((Date.now() - startedAt) / 1000).toFixed(1)} s ` +
    `(${Math.round(total / seconds)} req/s), failed ${JSON.stringify(Object.fromEntries(failures))}; by status ${JSON.stringify(Object.fromEntries(statuses))}; ` +
    `by worker pid ${JSON.stringify(Object.fromEntries(pids))}`,
);
