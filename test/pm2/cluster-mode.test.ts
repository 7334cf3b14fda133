/**
 * examples/pm2 run by PM2 itself, in cluster mode with 2 instances: instance
 * 0 is the rpc primary over a socket path, instance 1 its worker; PM2's
 * daemon (its own PM2_HOME in a temporary folder, killed afterwards whatever
 * happens) shares the HTTP port between them. Calls both ways; `pm2 reload`
 * under load without a failed request, the primary included; an instance
 * SIGKILLed: the calls to it reject with DISCONNECTED, then PM2 restarts it
 * and it rejoins under a new id.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { compiled } from '../helpers/compiled-fixtures.js';
import { get as getJson } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PM2 = join(ROOT, 'node_modules', '.bin', 'pm2');
const APP = join(ROOT, 'examples', 'pm2', 'app.ts');
const ECOSYSTEM = join(ROOT, 'examples', 'pm2', 'ecosystem.config.cjs');

interface AppConfig {
  readonly name: string;
  readonly [setting: string]: unknown;
}
const example = (createRequire(import.meta.url)(ECOSYSTEM) as { apps: AppConfig[] }).apps[0] as AppConfig;
const NAME = example.name;

const home = mkdtempSync(join(tmpdir(), 'crpc-pm2-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PM2_HOME: home,
  // No call home: PM2 checks its version online unless told not to, or once its home has a `touch` file.
  PM2_DISABLE_VERSION_CHECK: '1',
};
let ports = { http: 0, admin: 0 };
let daemonAlive = false;
const socketDirectory = mkdtempSync(join(tmpdir(), 'crpc-pm2-sock-'));

/** Runs the local pm2 with this test's PM2_HOME; resolves with its stdout. */
function pm2(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PM2, args, { env, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`pm2 ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Whatever happens to this test process, PM2's daemon and the app go with it. */
function killDaemon(): void {
  if (!daemonAlive) return;
  daemonAlive = false;
  spawnSync(PM2, ['kill'], { env, timeout: 15_000, stdio: 'ignore' });
}
const onSignal = (signal: NodeJS.Signals): void => {
  killDaemon();
  process.kill(process.pid, signal);
};
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface Instance {
  readonly instance: string;
  readonly pid: number;
}

/** The app's instances as PM2 lists them, by NODE_APP_INSTANCE. */
async function instances(): Promise<Map<string, number>> {
  const list = JSON.parse(await pm2('jlist')) as Array<{ pid: number; pm2_env: { NODE_APP_INSTANCE?: number; status: string } }>;
  return new Map(
    list
      .filter((entry) => entry.pm2_env.status === 'online' && entry.pid > 0)
      .map((entry) => [String(entry.pm2_env.NODE_APP_INSTANCE), entry.pid]),
  );
}

interface Response {
  readonly status: number;
  readonly body: Record<string, unknown> & Partial<Instance>;
}

/** GET on 127.0.0.1, a connection per request; rejects on any connection error. */
function get(port: number, path: string, timeoutMs = 20_000): Promise<Response> {
  return getJson<Response['body']>(port, path, false, timeoutMs);
}

type Member =
  | { workerId: number; status: 'fulfilled'; value: Instance & { waiting: number } }
  | { workerId: number; status: 'rejected' };

/** The workers as the primary sees them, through a call to each. */
async function members(): Promise<Member[]> {
  const { status, body } = await get(ports.admin, '/workers');
  expect(status).toBe(200);
  return body as unknown as Member[];
}

/** PM2's log and the instances' output, for a failure's report. */
function logs(): string {
  const directory = join(home, 'logs');
  const files = existsSync(directory) ? readdirSync(directory).map((name) => join(directory, name)) : [];
  return [join(home, 'pm2.log'), ...files]
    .filter((file) => existsSync(file))
    .map((file) => `== ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-40).join('\n')}`)
    .join('\n');
}

describe.skipIf(!existsSync(PM2))('PM2 cluster mode, 2 instances, over cluster-rpc/socket', () => {
  beforeAll(async () => {
    ports = { http: await freePort(), admin: await freePort() };
    // The example's own settings, but the compiled app (no tsx to load) and this test's ports and socket.
    const app = {
      ...example,
      script: compiled(APP),
      cwd: dirname(compiled(APP)),
      node_args: [],
      env: {
        HOST: '127.0.0.1',
        PORT: String(ports.http),
        ADMIN_PORT: String(ports.admin),
        RPC_SOCKET: join(socketDirectory, 'rpc.sock'),
      },
    };
    writeFileSync(join(home, 'ecosystem.json'), JSON.stringify({ apps: [app] }));
    for (const signal of SIGNALS) process.once(signal, onSignal);
    process.once('exit', killDaemon);
    daemonAlive = true;
    await pm2('start', join(home, 'ecosystem.json'));
    await waitFor('both instances online', async () => (await instances()).size === 2, 20_000);
  }, 60_000);

  afterAll(async () => {
    try {
      if (daemonAlive) await pm2('kill');
      daemonAlive = false;
    } finally {
      killDaemon();
      for (const signal of SIGNALS) process.off(signal, onSignal);
      process.off('exit', killDaemon);
      rmSync(home, { recursive: true, force: true });
      rmSync(socketDirectory, { recursive: true, force: true });
    }
  }, 30_000);

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(logs());
  });

  it("serves calls both ways: instance 1's requests call instance 0, the primary; the primary calls instance 1", async () => {
    const pids = await instances();
    const seen = new Map<string, Response['body']>();
    await waitFor(
      'an answer from each instance',
      async () => {
        const answer = await get(ports.http, '/').catch(() => undefined);
        if (answer?.status === 200 && answer.body.instance !== undefined) seen.set(answer.body.instance, answer.body);
        return seen.size === 2;
      },
      20_000,
    );
    expect(seen.get('0')).toMatchObject({ pid: pids.get('0'), primaryPid: pids.get('0') });
    // Counted by the primary, in instance 0, through the socket.
    expect(seen.get('1')).toMatchObject({ pid: pids.get('1'), primaryPid: pids.get('0') });
    await waitFor('the worker to join', async () => (await members()).length === 1);
    expect(await members()).toEqual([
      { workerId: expect.any(Number), status: 'fulfilled', value: { instance: '1', pid: pids.get('1'), waiting: 0 } },
    ]);
  });

  it('pm2 reload under HTTP load answers every request: each instance, the primary too, is replaced by a new one', async () => {
    const before = await instances();
    let issuing = true;
    let sent = 0;
    const answers: Response[] = [];
    const failures: string[] = [];
    const client = async (): Promise<void> => {
      while (issuing) {
        sent++;
        // The primary takes 20 ms per call, as a database query would: calls are under way when it steps down.
        await get(ports.http, '/?work=20').then(
          (answer) => (answer.status === 200 ? answers.push(answer) : failures.push(JSON.stringify(answer.body))),
          (error: Error) => failures.push(error.message),
        );
      }
    };
    const clients = Array.from({ length: 16 }, client);
    await waitFor('answers before the reload', () => answers.length >= 50 || failures.length > 0);
    const answeredBefore = answers.length;
    await pm2('reload', NAME);
    const answeredDuring = answers.length - answeredBefore;
    const after = await instances();
    // Load goes on until the new instances have answered some: the new primary through the socket included.
    await waitFor('answers from the new instances', () =>
      answers.some((answer) => answer.body.pid === after.get('1') && answer.body.primaryPid === after.get('0')),
    );
    issuing = false;
    await Promise.all(clients);

    console.info(
      `pm2 reload under load: ${sent} requests sent, ${answers.length} answered, ${failures.length} failed; ${answeredDuring} answered during the reload`,
    );
    expect(failures).toEqual([]);
    expect(answers).toHaveLength(sent);
    expect(answeredDuring).toBeGreaterThan(0);
    expect(after.get('0')).not.toBe(before.get('0'));
    expect(after.get('1')).not.toBe(before.get('1'));
    // Instance 1's calls were answered by the old primary, then by the new one.
    const primaries = new Set(answers.filter((answer) => answer.body.instance === '1').map((answer) => answer.body.primaryPid));
    expect(primaries).toContain(before.get('0'));
    expect(primaries).toContain(after.get('0'));
    expect(await members()).toEqual([
      { workerId: expect.any(Number), status: 'fulfilled', value: { instance: '1', pid: after.get('1'), waiting: 0 } },
    ]);
  });

  it('an instance SIGKILLed: calls to it reject with DISCONNECTED at once; PM2 restarts it and it rejoins under a new id', async () => {
    const [member] = await members();
    if (member?.status !== 'fulfilled') throw new Error(`no worker to kill: ${JSON.stringify(member)}`);
    // Its timeout is far beyond this test's: an answer within the test is not the timeout.
    const waiting = get(ports.admin, `/workers/${member.workerId}/wait?ms=120000`, 150_000);
    await waitFor('the call to be under way in the worker', async () =>
      (await members()).some((entry) => entry.status === 'fulfilled' && entry.value.waiting > 0),
    );
    process.kill(member.value.pid, 'SIGKILL');

    expect(await waiting).toMatchObject({ status: 503, body: { code: 'DISCONNECTED' } });
    // A later call to the id it had is DISCONNECTED as well: it was a member.
    expect((await get(ports.admin, `/workers/${member.workerId}/wait?ms=0`)).body).toMatchObject({ code: 'DISCONNECTED' });

    let rejoined: Member | undefined;
    await waitFor(
      'PM2 to restart the instance, and it to rejoin',
      async () => {
        rejoined = (await members()).find((entry) => entry.status === 'fulfilled' && entry.value.pid !== member.value.pid);
        return rejoined !== undefined;
      },
      20_000,
    );
    expect(rejoined?.workerId).not.toBe(member.workerId);
    expect((await instances()).get('1')).toBe(rejoined?.status === 'fulfilled' ? rejoined.value.pid : undefined);
    const answer = await get(ports.admin, `/workers/${rejoined?.workerId}/wait?ms=0`);
    expect(answer).toMatchObject({ status: 200, body: { instance: '1', waitedMs: 0 } });
  });
});
