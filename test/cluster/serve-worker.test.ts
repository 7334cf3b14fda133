/**
 * serveWorker: what a drain does to servers that are not listening yet (in this process), and the README's fastify
 * recipe in a process of its own. Signals and exits under the manager: manager-process.test.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { serveWorker } from '../../src/cluster.js';
import { freePort } from '../../support/free-port.js';
import { compiled } from '../helpers/compiled-fixtures.js';
import { get } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

describe('serveWorker', () => {
  it('closes a server whose listen() completes after the drain began, instead of taking connections', async () => {
    const port = await freePort();
    const server = http.createServer((_request, response) => response.end('{}'));
    const served = serveWorker({ server, signals: false, exitProcess: false, logger: false, graceMs: 200 });
    const drained = served.drain('stopped while starting');
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    expect(server.listening).toBe(false);
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
    expect(await drained).toMatchObject({ drained: true, abandonedRequests: 0, reason: 'stopped while starting' });
    served.dispose();
  });

  it("drains a fastify app's server on SIGTERM, answers the request under way, then runs its onClose hooks through onDrained", async () => {
    const child = spawn(process.execPath, [compiled(new URL('../fixtures/fastify-worker.ts', import.meta.url).pathname)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Array<{ event: string; port?: number }> = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) if (part) lines.push(JSON.parse(part));
    });
    const exited = once(child, 'exit');
    try {
      await waitFor('the app listens', () => lines.some((line) => line.event === 'listening'));
      const port = lines.find((line) => line.event === 'listening')?.port ?? 0;
      const underWay = get(port, '/slow');
      await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGTERM');
      expect(await underWay).toMatchObject({ status: 200, body: { ok: true } });
      const [code] = await exited;
      expect(code).toBe(0);
      expect(lines.map((line) => line.event)).toEqual(['listening', 'onClose']);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
