/**
 * A private `redis-server` for the HTTP cell, without persistence, on a free loopback port. It runs under a small `sh` guard
 * reading a pipe from the benchmark: however the benchmark goes away (even SIGKILL), the pipe closes and the guard stops it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../../support/free-port.js';
import { exited, stop, track } from '../processes.js';

/** Linux's USER_HZ: /proc counts CPU time in these. */
const CLOCK_TICKS = 100;

/** How long the server may take to answer its first PING. */
const READY_TIMEOUT_MS = 10_000;

/**
 * The guard: starts the server in the background, prints its pid, and stops it once its own standard input ends (the benchmark
 * closed it, or died) or it is signalled.
 */
const GUARD = [
  'redis-server "$@" &',
  'server=$!',
  'echo "$server"',
  'trap \'kill "$server" 2>/dev/null; wait "$server"; exit 0\' HUP INT TERM',
  'while read -r _; do :; done',
  'kill "$server" 2>/dev/null',
  'wait "$server"',
].join('\n');

export interface RedisServer {
  readonly port: number;
  /** The server's own pid (not the guard's), for its CPU time. */
  readonly pid: number;
  readonly version: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** The installed server's version, or `undefined` when there is no `redis-server`. */
export function redisVersion(): string | undefined {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? result.stdout.trim();
}

/** Resolves once a PING on `port` is answered with PONG; rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, guard: ChildProcess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n')) {
          socket.destroy();
          resolve(text.startsWith('+PONG'));
        }
      });
      socket.on('close', () => resolve(false));
      socket.on('error', () => undefined);
    });
    if (answered) return;
    if (guard.exitCode !== null || guard.signalCode !== null) throw new Error('redis-server exited before it answered');
    if (performance.now() > deadline) throw new Error(`redis-server did not answer a PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a private server. Rejects (having cleaned up) if it does not come up. */
export async function startRedis(version: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cluster-rpc-bench-redis-'));
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes'],
    ...['--save', '', '--appendonly', 'no', '--dir', dir],
    ...['--daemonize', 'no', '--loglevel', 'warning', '--databases', '1'],
  ];
  // SIGTERM, not SIGKILL, when the benchmark is interrupted: the guard's trap then stops the server.
  const guard = track(spawn('sh', ['-c', GUARD, 'redis-guard', ...args], { stdio: ['pipe', 'pipe', 'inherit'] }), 'SIGTERM');
  const cleanUp = async (): Promise<void> => {
    // End of input tells the guard to stop the server and wait for it; signals only if that hangs.
    guard.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited(guard), new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    await stop(guard, 'SIGTERM', 2000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const lines = createInterface({ input: guard.stdout as NodeJS.ReadableStream });
    const pid = await new Promise<number>((resolve, reject) => {
      lines.once('line', (line) => resolve(Number(line)));
      guard.once('exit', () => reject(new Error('redis-server did not start')));
    });
    lines.close();
    await waitForPong(port, READY_TIMEOUT_MS, guard);
    return { port, pid, version, stop: cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** CPU time (user + system) of a process so far, in µs, from /proc (Linux); NaN elsewhere or once it is gone. */
export function cpuMicrosOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / CLOCK_TICKS) * 1e6;
  } catch {
    return Number.NaN;
  }
}
