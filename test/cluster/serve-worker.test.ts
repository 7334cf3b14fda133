/** serveWorker in this process: what a drain does to servers that are not listening yet. Signals and exits: manager-process.test.ts. */
import { once } from 'node:events';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { serveWorker } from '../../src/cluster.js';
import { freePort } from '../../support/free-port.js';
import { get } from '../helpers/http.js';

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
});
