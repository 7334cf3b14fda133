/**
 * The cluster manager with this test file as the primary: real workers
 * (fixtures/manager-worker.ts), real HTTP on 127.0.0.1, the rpc layer in
 * both directions. Signals and exit codes: manager-process.test.ts.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterManager, type ClusterManagerOptions, createClusterManager, type WorkerExit } from '../../src/cluster.js';
import { RpcError } from '../../src/index.js';
import { freePort } from '../../support/free-port.js';
import { get } from '../helpers/http.js';
import { rpc } from './fixtures/manager-rpc.js';

const workerScript = fileURLToPath(new URL('./fixtures/manager-worker.ts', import.meta.url));
const logs: string[] = [];
const logger = {
  info: (message: string) => logs.push(message),
  warn: (message: string) => logs.push(message),
  error: (message: string) => logs.push(message),
};

let manager: ClusterManager;
let port: number;

function nextEvent<T>(subscribe: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((value) => {
      off();
      resolve(value);
    });
  });
}

const pidsOf = (workers: readonly Worker[]): number[] => workers.map((worker) => worker.process.pid ?? 0);

beforeAll(async () => {
  port = await freePort();
  manager = createClusterManager({
    workers: 2,
    exec: workerScript,
    execArgv: ['--import', 'tsx'],
    env: { PORT: String(port) },
    schedulingPolicy: 'rr',
    shutdownGraceMs: 5000,
    respawn: { initialDelayMs: 50 },
    signals: false,
    exitProcess: false,
    rpc,
    logger,
  });
  await manager.start();
});

afterAll(async () => {
  await manager?.shutdown();
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
});

describe('createClusterManager, in this process', () => {
  it('serves one port from every worker, each with its own pid', async () => {
    expect(manager.state).toBe('running');
    expect(manager.workers).toHaveLength(2);
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 40 && seen.size < 2; attempt++) {
      const answer = await get(port);
      expect(answer.status).toBe(200);
      seen.add(answer.body.pid);
    }
    expect([...seen].sort()).toEqual(pidsOf(manager.workers).sort());
    expect(manager.stats()).toMatchObject({ size: 2, ready: 2, alive: 2, respawns: 0 });
  });

  it('replaces a killed worker, logs its death, and fails the calls in flight to it with DISCONNECTED at once', async () => {
    const victim = manager.workers[0] as Worker;
    const victimPid = victim.process.pid;
    const exited = nextEvent<WorkerExit>((resolve) => manager.on('exit', resolve));
    const replaced = nextEvent<Worker>((resolve) => manager.on('ready', resolve));
    const inFlight = rpc.primary.call(victim, 'sleep', { ms: 10_000 });
    await rpc.primary.call(victim, 'whoami'); // the sleep call has reached the worker
    const killedAt = Date.now();
    victim.process.kill('SIGKILL');

    const error = await inFlight.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe('DISCONNECTED');
    expect(Date.now() - killedAt).toBeLessThan(5000); // well before the call's 10 s

    expect(await exited).toMatchObject({ workerId: victim.id, pid: victimPid, code: null, signal: 'SIGKILL', expected: false });
    expect(logs.join('\n')).toContain(`worker ${victim.id} (pid ${victimPid}) was killed by SIGKILL`);
    expect(logs.join('\n')).toMatch(/respawning in 50 ms \(crash 1 of 6 in a row\)/);

    const newcomer = await replaced;
    expect(manager.workers).toContain(newcomer);
    expect(manager.stats()).toMatchObject({ ready: 2, respawns: 1 });
    // The newcomer is served by the rpc layer at once.
    expect(await rpc.primary.call(newcomer, 'whoami')).toEqual({ pid: newcomer.process.pid, workerId: newcomer.id });
  });

  it('keeps the port answering through a rolling restart, on new and keep-alive connections, and lets old workers finish their requests', async () => {
    const before = pidsOf(manager.workers);
    const slow = get(port, '/slow?ms=1500');
    let ok = 0;
    const failures: string[] = [];
    let looping = true;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const loop = async (agent: http.Agent | false): Promise<void> => {
      while (looping) {
        try {
          const answer = await get(port, '/', agent);
          if (answer.status === 200) ok++;
          else failures.push(`status ${answer.status}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const loops = [loop(false), loop(false), loop(keepAlive), loop(keepAlive)];

    const result = await manager.restart();
    looping = false;
    await Promise.all(loops);
    keepAlive.destroy();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
    expect(result).toMatchObject({ replaced: 2, drained: true });
    const after = pidsOf(manager.workers);
    expect(after).toHaveLength(2);
    for (const pid of after) expect(before).not.toContain(pid);
    const slowAnswer = await slow;
    expect(slowAnswer.status).toBe(200);
    expect(before).toContain(slowAnswer.body.pid);
    expect(manager.stats().replaced).toBe(2);
  });

  it('shuts down gracefully: calls and requests under way finish, then the port closes and the rpc object refuses new calls', async () => {
    const [first] = manager.workers as [Worker];
    const call = rpc.primary.call(first, 'sleep', { ms: 600 });
    const slow = get(port, '/slow?ms=600');
    await rpc.primary.call(first, 'whoami');

    const result = await manager.shutdown();
    expect(result).toMatchObject({ drained: true, killed: [], reason: 'shutdown()' });
    expect(result.exits.map((exit) => exit.code)).toEqual([0, 0]);
    expect(await call).toBe(first.process.pid);
    expect((await slow).status).toBe(200);
    expect(manager.state).toBe('stopped');
    expect(manager.workers).toEqual([]);

    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
    const late = await rpc.primary.call(first, 'whoami').catch((thrown: unknown) => thrown);
    expect((late as RpcError).code).toBe('SHUTTING_DOWN');
    expect(rpc.pendingCount()).toBe(0);
  });
});

describe('createClusterManager with signals', () => {
  const watched = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;
  it.each<[string, readonly string[], ClusterManagerOptions['signals']]>([
    ['the default', ['SIGTERM', 'SIGINT', 'SIGHUP'], undefined],
    ["{ restart: 'SIGUSR2' }", ['SIGTERM', 'SIGINT', 'SIGUSR2'], { restart: 'SIGUSR2' }],
    ['false', [], false],
  ])('with signals %s, handles %j only, from start() until it stops', async (_name, handled, signals) => {
    const count = (): Record<string, number> =>
      Object.fromEntries(watched.map((signal) => [signal, process.listenerCount(signal)]));
    const before = count();
    const withSignals = createClusterManager({
      workers: 1,
      exec: workerScript,
      execArgv: ['--import', 'tsx'],
      env: { PORT: String(await freePort()) },
      ...(signals === undefined ? {} : { signals }),
      exitProcess: false,
      logger: false,
    });
    expect(count()).toEqual(before);
    await withSignals.start();
    const added = Object.fromEntries(
      watched.map((signal) => [signal, (before[signal] ?? 0) + (handled.includes(signal) ? 1 : 0)]),
    );
    expect(count()).toEqual(added);
    await withSignals.shutdown();
    expect(count()).toEqual(before);
  });
});
