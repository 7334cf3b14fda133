/**
 * `TRACING=1 npm start` traces a request end to end, as the example's README
 * shows: the worker's HTTP span, its rpc client span, and the primary's
 * server span, one trace across two processes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface SpanLine {
  readonly trace: string;
  readonly id: string;
  readonly parent: string;
  readonly kind: string;
  readonly name: string;
  readonly pid: number;
}

function spanLines(output: string): SpanLine[] {
  const pattern = /^\[trace (\w+)\] (\w+) <- (\w+)\s+(\w+)\s+(.+?)\s+pid (\d+) /gm;
  return [...output.matchAll(pattern)].map(([, trace = '', id = '', parent = '', kind = '', name = '', pid = '0']) => ({
    trace,
    id,
    parent,
    kind,
    name,
    pid: Number(pid),
  }));
}

it("traces GET / from the worker's HTTP span into the primary's hits.record span", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, TRACING: '1', WORKERS: '1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await expect.poll(() => output.includes('http-cluster: 1 workers'), { timeout: 25_000, interval: 100 }).toBe(true);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const body = (await response.json()) as { pid: number };
    await expect.poll(() => spanLines(output).some((span) => span.name === 'GET /'), { timeout: 10_000 }).toBe(true);
    const request = spanLines(output).find((span) => span.name === 'GET /') as SpanLine;
    const trace = spanLines(output).filter((span) => span.trace === request.trace);
    const client = trace.find((span) => span.kind === 'client' && span.name === 'hits.record');
    const server = trace.find((span) => span.kind === 'server' && span.name === 'hits.record');
    expect(request).toMatchObject({ kind: 'server', parent: 'root', pid: body.pid });
    expect(client).toMatchObject({ parent: request.id, pid: body.pid });
    expect(server).toMatchObject({ parent: client?.id, pid: child.pid });
    // The status line's metrics gathers are calls too, but start no trace of their own.
    await expect.poll(() => output.includes('[status]'), { timeout: 10_000, interval: 100 }).toBe(true);
    expect(spanLines(output).filter((span) => span.name === '.cluster-rpc.metrics')).toEqual([]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});
