/**
 * The benchmark's own nats-server: from `NATS_SERVER_BIN` or `PATH`, on a
 * free loopback port with its defaults (1 MB `max_payload`), tracked so it
 * never outlives the run.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stop, track } from '../processes.js';

/** The binary, or `undefined` when there is none. */
export function natsServerBinary(): string | undefined {
  const candidates = process.env.NATS_SERVER_BIN
    ? [process.env.NATS_SERVER_BIN]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'].map((dir) => join(dir, 'nats-server'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** A running server: its URL, and how to stop it. */
export interface BenchNatsServer {
  readonly url: string;
  readonly version: string;
  stop(): Promise<void>;
}

/** Starts a server and waits until it accepts connections. */
export async function startNatsServer(): Promise<BenchNatsServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('nats-server not found on PATH (nor NATS_SERVER_BIN): apt-get install -y nats-server');
  const port = await freePort();
  const child = track(spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const until = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`nats-server did not start:\n${log}`);
    await delay(20);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    version: /Version:\s*(\S+)/.exec(log)?.[1] ?? 'unknown',
    stop: () => stop(child, 'SIGTERM', 2000),
  };
}
