/**
 * Local `nats-server` processes for the NATS tests, the benchmark's NATS cell
 * and the NATS example: the binary (`NATS_SERVER_BIN`, else `PATH`, /usr/sbin,
 * /usr/local/sbin), one server or a cluster routed on loopback, each on free
 * loopback ports with a config file of its own. A server still running when
 * this process exits is killed then, so none outlives its user.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';

/** What to tell someone who has no nats-server. */
export const NATS_INSTALL_HINT = 'install it with `apt-get install -y nats-server`, or set NATS_SERVER_BIN';

/** How long a server may take to accept connections (and a cluster to route) before starting fails. */
const START_TIMEOUT_MS = 10_000;
/** How long a server asked to stop with another signal than SIGKILL gets before it is killed. */
const STOP_GRACE_MS = 2_000;

/** The nats-server binary, or `undefined` when there is none. */
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

/** How to start one server. */
export interface NatsServerOptions {
  /** The client port (default: a free one). */
  readonly port?: number;
  /** Extra config text (authorization, max_payload…). */
  readonly config?: string;
  /** The cluster block's listen port and the routes to other servers. */
  readonly cluster?: { readonly port: number; readonly routes: readonly number[] };
  /** Serve the monitoring endpoints (`/connz`…) on this port. */
  readonly monitorPort?: number;
}

/** Servers started and not yet stopped, and the folders of their config files. */
const running = new Set<NatsServer>();
const folders: string[] = [];
let exitHookSet = false;

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

  /** Starts it and waits until it accepts connections. */
  async start(): Promise<this> {
    const binary = natsServerBinary();
    if (!binary) throw new Error(`nats-server not found: ${NATS_INSTALL_HINT}`);
    if (!exitHookSet) {
      exitHookSet = true;
      process.on('exit', killAll);
    }
    const child = spawn(binary, ['-c', this.#configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    this.#log = '';
    const append = (chunk: Buffer): void => {
      this.#log += chunk.toString();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    running.add(this);
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > until)
        throw new Error(`nats-server did not start on ${this.port}:\n${this.#log}`);
      await delay(20);
    }
    return this;
  }

  /** What the server logged so far. */
  get log(): string {
    return this.#log;
  }

  /** The server's version, as it logged it on start. */
  get version(): string {
    return /Version:\s*(\S+)/.exec(this.#log)?.[1] ?? 'unknown';
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Ends it (SIGKILL by default: a crash; any other signal gets 2 s before SIGKILL) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    running.delete(this);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** Synchronous, for the `'exit'` event: whatever still runs dies with this process. */
function killAll(): void {
  for (const server of running) void server.stop();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

function configFile(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'cluster-rpc-nats-'));
  folders.push(folder);
  const file = join(folder, 'server.conf');
  writeFileSync(file, text);
  return file;
}

function serverConfig(port: number, options: NatsServerOptions): string {
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

/** Starts one server on loopback (on a free port unless `options.port` says which). */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  return new NatsServer(port, configFile(serverConfig(port, options))).start();
}

/** `size` servers routed to each other on loopback; resolves once every route is up. */
export async function startNatsCluster(size = 3): Promise<NatsServer[]> {
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let index = 0; index < size; index++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const servers = clientPorts.map((port, index) => {
    const cluster = { port: routePorts[index] as number, routes: routePorts.filter((_, other) => other !== index) };
    return new NatsServer(port, configFile(serverConfig(port, { cluster })));
  });
  await Promise.all(servers.map((server) => server.start()));
  // Every server logs one line per route it has; a full mesh has size - 1 each.
  const until = Date.now() + START_TIMEOUT_MS;
  while (servers.some((server) => (server.log.match(/Route connection created/g) ?? []).length < size - 1)) {
    if (Date.now() > until) throw new Error(`routes did not come up:\n${servers.map((server) => server.log).join('\n')}`);
    await delay(20);
  }
  return servers;
}

/** Stops every server still running and removes their config files. */
export async function stopNatsServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}
