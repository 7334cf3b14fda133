/**
 * The cluster manager as a process: a primary (fixtures/manager-primary.ts)
 * spawned as a child, so that it can receive SIGTERM and SIGHUP and its exit
 * code can be checked. Real workers, real HTTP on 127.0.0.1.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { type Answer, get } from '../helpers/http.js';

const primaryScript = fileURLToPath(new URL('./fixtures/manager-primary.ts', import.meta.url));
const pm2ProbeScript = fileURLToPath(new URL('./fixtures/manager-pm2-probe.ts', import.meta.url));

type Line = { event: string } & Record<string, unknown>;

interface Primary {
  readonly child: ChildProcess;
  readonly lines: Line[];
  /** Resolves with the first line (already printed or to come) that matches. */
  waitFor(match: (line: Line) => boolean, timeoutMs?: number): Promise<Line>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

afterEach(() => {
  // A primary killed outright takes its workers along: they exit when their IPC channel closes.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function startPrimary(env: Record<string, string>): Primary {
  const child = spawn(process.execPath, ['--import', 'tsx', primaryScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) {
      try {
        lines.push(JSON.parse(text) as Line);
      } catch {
        // Not one of the fixture's lines.
      }
    }
    for (const wake of [...waiters]) wake();
  });
  // 'close', not 'exit': the lines read after it must include everything the process wrote.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const waitFor = (match: (line: Line) => boolean, timeoutMs = 15_000): Promise<Line> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching line within ${timeoutMs} ms; got:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, lines, waitFor, exited };
}

const event =
  (name: string) =>
  (line: Line): boolean =>
    line.event === name;

describe('the cluster manager as a process', () => {
  it('on SIGTERM stops accepting, lets an in-flight slow request (and its rpc call) finish, and exits 0', async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), GRACE_MS: '5000' });
    await primary.waitFor(event('started'));

    const slow = get(port, '/slow?ms=1200');
    slow.catch(() => {}); // asserted below; if an earlier assertion fails, its rejection is not unhandled
    await primary.waitFor(event('slow-started'));
    const signalledAt = Date.now();
    primary.child.kill('SIGTERM');
    await primary.waitFor((line) => line.event === 'log' && String(line.message).includes('shutting down (SIGTERM)'));
    // The port stops accepting: a request that reaches a worker before its SIGTERM is still
    // answered in full, and under 'rr' the primary may accept a connection while the workers close
    // their servers, then reset it; once they have, the port refuses.
    let refused = false;
    while (!refused) {
      const outcome = await get(port).then(
        (answer) => `served with status ${answer.status}`,
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/served with status 200|ECONNREFUSED|ECONNRESET|socket hang up/);
      refused = outcome.includes('ECONNREFUSED');
    }

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.hits).toBeGreaterThan(0); // its call to the primary, made during the drain, was answered
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5000); // it waited for the request, not for the grace period
    expect(primary.lines.find(event('stopped'))).toMatchObject({ drained: true, killed: [], reason: 'SIGTERM' });
  });

  it('cuts a request that outlasts the grace period, and exits 1 to say so', async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), GRACE_MS: '300', WORKERS: '1' });
    await primary.waitFor(event('started'));

    const slow = get(port, '/slow?ms=8000');
    await primary.waitFor(event('slow-started'));
    primary.child.kill('SIGTERM');

    await expect(slow).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await primary.exited).toEqual({ code: 1, signal: null });
    expect(primary.lines.find(event('stopped'))).toMatchObject({ drained: false });
    expect(primary.lines.find(event('exit'))).toMatchObject({ code: 1, expected: true });
  });

  it('stops respawning a worker that crashes at start-up, says why, and exits 1', async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), CRASH_AT_START: '1', WORKERS: '1' });

    expect(await primary.exited).toEqual({ code: 1, signal: null });
    const exits = primary.lines.filter(event('exit'));
    expect(exits).toHaveLength(3); // crashLoopLimit: 3
    for (const exit of exits) expect(exit).toMatchObject({ code: 3, signal: null, expected: false });
    const errors = primary.lines.filter((line) => line.event === 'log' && line.level === 'error').map((line) => line.message);
    expect(errors.join('\n')).toMatch(
      /crash loop: worker slot 0 crashed 3 times in a row.*exited with code 3.*respawning stopped/,
    );
    expect(primary.lines.find(event('start-failed'))?.message).toMatch(/crash loop/);
  });

  for (const policy of ['rr', 'none'] as const) {
    it(`serves every request with schedulingPolicy '${policy}', and a SIGHUP replaces the workers without dropping one`, async () => {
      const port = await freePort();
      const primary = startPrimary({ PORT: String(port), POLICY: policy });
      const started = await primary.waitFor(event('started'));
      expect(started.policy).toBe(policy);

      const answers = await Promise.all(Array.from({ length: 20 }, () => get(port)));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.handle).toBe(policy === 'rr' ? 'stand-in' : 'socket');
        expect(started.pids).toContain(answer.body.pid);
      }

      const failures: string[] = [];
      let looping = true;
      const loop = (async () => {
        while (looping) await get(port).catch((error: Error) => failures.push(error.message));
      })();
      primary.child.kill('SIGHUP');
      const restarted = await primary.waitFor(event('restarted'));
      looping = false;
      await loop;
      expect(failures).toEqual([]);
      expect(restarted).toMatchObject({ replaced: 2, drained: true });
      for (const pid of restarted.pids as number[]) expect(started.pids).not.toContain(pid);

      primary.child.kill('SIGTERM');
      expect(await primary.exited).toEqual({ code: 0, signal: null });
    });
  }

  it('a SIGTERM while a SIGHUP replacement boots, under load: stops the replacement, answers every request, exits 0', async () => {
    const port = await freePort();
    // The first replacement (worker 3) takes 4 s to start, with no signal handler yet: it is still booting at SIGTERM.
    const primary = startPrimary({ PORT: String(port), BOOT_DELAY_FROM_WORKER: '3', BOOT_DELAY_MS: '4000' });
    await primary.waitFor(event('started'));

    let issuing = true;
    let issued = 0;
    const answers: Answer[] = [];
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (issuing) {
        issued++;
        await get(port, '/slow?ms=400').then(
          (answer) => answers.push(answer),
          (error: Error) => failures.push(error.message),
        );
      }
    };
    const clients = Array.from({ length: 16 }, client);
    while (answers.length < 16 && failures.length === 0) await sleep(20);

    primary.child.kill('SIGHUP');
    await primary.waitFor((line) => line.event === 'fork' && line.workerId === 3);
    await sleep(50);
    issuing = false;
    // SIGTERM once every request sent has reached a worker, so that each is one the cluster must answer.
    while (primary.lines.filter(event('slow-started')).length < issued) await sleep(10);
    const inFlight = issued - answers.length - failures.length;
    primary.child.kill('SIGTERM');

    await Promise.all(clients);
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    expect(inFlight).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(answers).toHaveLength(issued);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.hits).toBeGreaterThan(0);
    }
    expect(primary.lines.find(event('stopped'))).toMatchObject({ drained: true, killed: [], reason: 'SIGTERM' });
    expect(primary.lines.find((line) => line.event === 'ready' && line.workerId === 3)).toBeUndefined();
    expect(primary.lines.find((line) => line.event === 'exit' && line.workerId === 3)).toMatchObject({
      signal: 'SIGTERM',
      expected: true,
    });
    const logs = primary.lines.filter(event('log'));
    expect(logs.filter((line) => line.level !== 'info')).toEqual([]);
    expect(logs.map((line) => line.message).join('\n')).not.toMatch(/keeps serving/);
    expect(logs.map((line) => line.message)).toContainEqual(
      expect.stringMatching(/rolling restart interrupted by the shutdown \(SIGTERM\): worker 3 .* was still starting/),
    );
  });

  it("honours NODE_CLUSTER_SCHED_POLICY when no policy is passed, as Node's cluster does", async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), NODE_CLUSTER_SCHED_POLICY: 'none', WORKERS: '1' });
    expect((await primary.waitFor(event('started'))).policy).toBe('none');
    expect((await get(port)).body.handle).toBe('socket');
    primary.child.kill('SIGTERM');
    expect(await primary.exited).toEqual({ code: 0, signal: null });
  });

  it('restarts on the signal chosen for it: signals { restart: SIGUSR2 }', async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), SIGNALS: JSON.stringify({ restart: 'SIGUSR2' }), WORKERS: '1' });
    const started = await primary.waitFor(event('started'));
    primary.child.kill('SIGUSR2');
    const restarted = await primary.waitFor(event('restarted'));
    expect(restarted).toMatchObject({ replaced: 1, drained: true });
    for (const pid of restarted.pids as number[]) expect(started.pids).not.toContain(pid);
    primary.child.kill('SIGTERM');
    expect(await primary.exited).toEqual({ code: 0, signal: null });
  });

  it("leaves SIGHUP to the app with signals { restart: false }: the app's handler runs and no restart happens", async () => {
    const port = await freePort();
    const primary = startPrimary({
      PORT: String(port),
      SIGNALS: JSON.stringify({ restart: false }),
      APP_SIGNALS: 'SIGHUP',
      WORKERS: '1',
    });
    await primary.waitFor(event('started'));
    primary.child.kill('SIGHUP');
    await primary.waitFor(event('app-signal'));
    primary.child.kill('SIGTERM'); // still the manager's
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    expect(primary.lines.find(event('stopped'))).toMatchObject({ drained: true, reason: 'SIGTERM' });
    expect(primary.lines.filter(event('fork'))).toHaveLength(1);
    expect(primary.lines.find(event('restarted'))).toBeUndefined();
    expect(primary.lines.filter(event('log')).map((line) => line.message)).not.toContainEqual(
      expect.stringMatching(/rolling restart/),
    );
  });

  it('handles no signal with signals: false: the app handles SIGHUP and SIGTERM itself', async () => {
    const port = await freePort();
    const primary = startPrimary({ PORT: String(port), SIGNALS: 'false', APP_SIGNALS: 'SIGHUP,SIGTERM', WORKERS: '1' });
    await primary.waitFor(event('started'));
    primary.child.kill('SIGHUP');
    await primary.waitFor(event('app-signal'));
    primary.child.kill('SIGTERM');
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    expect(primary.lines.filter(event('app-signal')).map((line) => line.signal)).toEqual(['SIGHUP', 'SIGTERM']);
    // The shutdown is the app's: had the manager handled SIGTERM, its reason would be 'SIGTERM'.
    expect(primary.lines.find(event('stopped'))).toMatchObject({ drained: true, reason: 'app SIGTERM' });
    expect(primary.lines.filter(event('fork'))).toHaveLength(1);
  });

  it('adds no listener to the process or to cluster when the package is imported', async () => {
    const script = `
      import cluster from 'node:cluster';
      const names = () => ({ process: process.eventNames(), cluster: cluster.eventNames() });
      const before = names();
      await import(${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))});
      process.stdout.write(JSON.stringify({ before, after: names() }));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // 'close', not 'exit': stdout may still hold output when the process has exited.
    expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
    const { before, after } = JSON.parse(output) as { before: unknown; after: unknown };
    expect(after).toEqual(before);
  });

  it("the manager refuses to run under PM2's cluster mode, saying why and what works; serveWorker runs there", async () => {
    const child = fork(pm2ProbeScript, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_UNIQUE_ID: '1', pm_id: '7' },
      silent: true,
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    const result = JSON.parse(output.trim()) as {
      isWorker: boolean;
      manager: string;
      serveWorker: string;
      rpc: string;
      warnings: string[];
    };
    expect(result.isWorker).toBe(true);
    expect(result.manager).toMatch(/^createClusterManager: this process runs under PM2's cluster mode \(pm_id 7\).*fork mode/);
    expect(result.manager).toContain('socketTransport({ path, role })');
    // Its drain needs no cluster-rpc primary: under PM2 each instance drains with it (test/pm2).
    expect(result.serveWorker).toBe('no error');
    // createClusterRpc without a transport works but says that its calls would reach PM2's daemon.
    expect(result.rpc).toBe('no error');
    expect(result.warnings).toEqual([expect.stringMatching(/^CLUSTER_RPC_PM2_IPC: .*socketTransport\(\{ path, role \}\)/)]);
  });
});
