/**
 * Real `nats-server` processes for the NATS tests: a single server, a
 * three-server cluster with routes on loopback, a server that requires a
 * user and password. Each gets free loopback ports and a config file the
 * test writes; `stopAllServers()` ends whatever is still running.
 *
 * The binary comes from `NATS_SERVER_BIN` or `PATH` (Debian puts it in
 * /usr/sbin). Without one, the NATS suites are skipped with one line saying
 * how to install it, unless `CI=true`, where they fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'vitest';

const INSTALL_HINT = 'install it with `apt-get install -y nats-server`, or set NATS_SERVER_BIN';

function findBinary(): string | undefined {
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

export const NATS_SERVER_BIN = findBinary();

let skipNoticeShown = false;

/**
 * `describe`, when a nats-server binary is there. Otherwise: skipped with one
 * line on stderr, or (under CI) one failing test saying what is missing.
 */
export function describeNats(name: string, body: () => void): void {
  if (NATS_SERVER_BIN) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs nats-server', () => {
        throw new Error(`nats-server was not found on PATH (nor NATS_SERVER_BIN): ${INSTALL_HINT}`);
      });
    });
    return;
  }
  if (!skipNoticeShown && firstInThisRun()) process.stderr.write(`NATS tests skipped: nats-server not found; ${INSTALL_HINT}\n`);
  skipNoticeShown = true;
  describe.skip(name, body);
}

/** True in the first test file of this Vitest run to ask (its files run in processes of one parent), so the notice shows once. */
function firstInThisRun(): boolean {
  try {
    writeFileSync(join(tmpdir(), `cluster-rpc-nats-skip-notice-${process.ppid}`), '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function accepts(port: number): Promise<boolean> {
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

export interface ServerOptions {
  /** Extra config text (authorization, max_payload…). */
  readonly config?: string;
  /** The cluster block's listen port and the routes to other servers. */
  readonly cluster?: { readonly port: number; readonly routes: readonly number[] };
  /** Serve the monitoring endpoints (`/connz`…) on this port. */
  readonly monitorPort?: number;
}

/** One nats-server process, on a fixed port across restarts. */
export class NatsServer {
  readonly port: number;
  readonly url: string;
  readonly #configFile: string;
  #process: ChildProcess | undefined = undefined;
  #log = '';

  constructor(port: number, configFile: string) {
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.#configFile = configFile;
  }

  /** Starts it and waits until it accepts connections (and, in a cluster, has logged its routes' start). */
  async start(): Promise<this> {
    if (!NATS_SERVER_BIN) throw new Error(`nats-server not found: ${INSTALL_HINT}`);
    const child = spawn(NATS_SERVER_BIN, ['-c', this.#configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    this.#log = '';
    const append = (chunk: Buffer): void => {
      this.#log += chunk.toString();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    running.add(this);
    const until = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > until) {
        throw new Error(`nats-server did not start on ${this.port}:\n${this.#log}`);
      }
      await delay(20);
    }
    return this;
  }

  /** What the server logged so far. */
  get log(): string {
    return this.#log;
  }

  /** Ends it (SIGKILL by default: a crash) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    running.delete(this);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

const running = new Set<NatsServer>();
const folders: string[] = [];

function configFile(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'cluster-rpc-nats-'));
  folders.push(folder);
  const file = join(folder, 'server.conf');
  writeFileSync(file, text);
  return file;
}

/** Starts one server on a free loopback port. */
export async function startServer(options: ServerOptions = {}): Promise<NatsServer> {
  const port = await freePort();
  return new NatsServer(port, configFile(serverConfig(port, options))).start();
}

function serverConfig(port: number, options: ServerOptions): string {
  const lines = [`listen: 127.0.0.1:${port}`, options.config ?? ''];
  if (options.monitorPort) lines.push(`http: 127.0.0.1:${options.monitorPort}`);
  if (options.cluster) {
    lines.push(
      'cluster {',
      '  name: crpc-test',
      `  listen: 127.0.0.1:${options.cluster.port}`,
      `  routes: [${options.cluster.routes.map((route) => `nats-route://127.0.0.1:${route}`).join(', ')}]`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Three servers routed to each other on loopback; resolves once every route is up. */
export async function startCluster(size = 3): Promise<NatsServer[]> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let index = 0; index < size; index++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const servers = clientPorts.map(
    (port, index) =>
      new NatsServer(
        port,
        configFile(
          serverConfig(port, {
            cluster: { port: routePorts[index] as number, routes: routePorts.filter((_, other) => other !== index) },
          }),
        ),
      ),
  );
  await Promise.all(servers.map((server) => server.start()));
  // Every server logs one line per route it has; a full mesh has size - 1 each.
  const until = Date.now() + 10_000;
  while (servers.some((server) => (server.log.match(/Route connection created/g) ?? []).length < size - 1)) {
    if (Date.now() > until) throw new Error(`routes did not come up:\n${servers.map((server) => server.log).join('\n')}`);
    await delay(20);
  }
  return servers;
}

/** Stops every server still running and removes the config files. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}
