/**
 * The rules of a socket path, with every primary and worker a process of its
 * own (as under PM2 or systemd): workers that start before their primary, or
 * outlive it, join it (again) with new ids while their calls wait; a stale
 * socket file is replaced, a live primary's never is, even when the primaries
 * are node:cluster workers (PM2's instances); a primary in standby takes over
 * once the path comes free, and one that closes with a grace hands its
 * workers over to it without failing a call; a wrong token is refused.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllWorkers } from '../helpers/cluster.js';
import { compiled } from '../helpers/compiled-fixtures.js';
import { killAllMembers, type Line, type Member, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';

const MEMBER = fileURLToPath(new URL('./fixtures/member.ts', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'crpc-path-'));
let round = 0;

afterEach(killAllMembers);
afterEach(killAllWorkers);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A fresh socket path for each test. */
function freshPath(): string {
  return join(directory, `rpc-${round++}.sock`);
}

function start(role: 'primary' | 'worker', path: string, env: Record<string, string> = {}): Member {
  return startMember({ role, script: MEMBER, env: { SOCKET_PATH: path, ...env } });
}

let tags = 0;

/** Sends a command that answers with an `outcome` line, and resolves with it. */
async function ask(member: Member, command: Record<string, unknown>, withinMs = 15_000): Promise<Line> {
  const tag = `t${tags++}`;
  const answered = member.next('outcome', withinMs, (line) => line.tag === tag);
  member.command({ ...command, tag });
  return answered;
}

/** The `joined` line after `count` of them: the id of the worker's `count`-th join. */
async function joinedId(member: Member, count: number): Promise<number> {
  const line = await member.next('joined', 15_000, () => member.lines.filter((seen) => seen.event === 'joined').length >= count);
  const joins = member.lines.filter((seen) => seen.event === 'joined');
  return Number(joins[count - 1]?.workerId ?? line.workerId);
}

describe('a socket path', () => {
  it('workers started before their primary join it once it listens; a call made meanwhile waits and is answered', async () => {
    const path = freshPath();
    const worker = start('worker', path);
    await worker.next('started');
    const waiting = ask(worker, { cmd: 'call', path: 'echo', input: 'held', timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const primary = start('primary', path);
    expect(await waiting).toMatchObject({ ok: true, value: 'held' });
    expect(await joinedId(worker, 1)).toBe(1);
    expect(await ask(primary, { cmd: 'primaryCall', workerId: 1, path: 'echo', input: 'back' })).toMatchObject({
      ok: true,
      value: 'back',
    });
  });

  it('a call that waits in vain for a primary says where it looked and why nothing answered', async () => {
    const path = freshPath();
    const worker = start('worker', path);
    await worker.next('started');
    const outcome = await ask(worker, { cmd: 'call', path: 'echo', input: 'lost', timeout: 1000 });
    expect(outcome).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(outcome.message).toContain('no primary has joined (its connection failed: connect ENOENT');
    expect(outcome.message).toContain(path);
  });

  it('a killed primary leaves a stale socket file; the next one replaces it, and the workers rejoin with new ids', async () => {
    const path = freshPath();
    const first = start('primary', path);
    await first.next('started');
    const workers = [start('worker', path), start('worker', path)];
    const ids = await Promise.all(workers.map((worker) => joinedId(worker, 1)));
    expect(ids.sort()).toEqual([1, 2]);

    await first.kill('SIGKILL');
    expect(existsSync(path)).toBe(true);
    await Promise.all(workers.map((worker) => worker.next('left')));
    // Made while no primary is there: held within its timeout.
    const held = ask(workers[0] as Member, { cmd: 'call', path: 'echo', input: 'across the restart', timeout: 15_000 });
    const second = start('primary', path);
    expect(await held).toMatchObject({ ok: true, value: 'across the restart' });
    const newIds = await Promise.all(workers.map((worker) => joinedId(worker, 2)));
    expect(newIds.sort()).toEqual([1, 2]);
    expect(second.lines.filter((line) => line.event === 'error')).toEqual([]);
    for (const id of newIds) {
      expect(await ask(second, { cmd: 'primaryCall', workerId: id, path: 'none' })).toMatchObject({ ok: true, value: 'none' });
    }
  });

  it('a second primary on a live path is refused with an error that says so; the first one serves on', async () => {
    const path = freshPath();
    const first = start('primary', path);
    await first.next('started');
    const worker = start('worker', path);
    await joinedId(worker, 1);
    const second = start('primary', path);
    const error = await second.next('error');
    expect(error.message).toContain(`Another primary (pid ${first.pid}`);
    expect(error.message).toContain(path);
    expect(error.message).toContain('refused');
    const call = await ask(second, { cmd: 'primaryCall', workerId: 1, path: 'none' });
    expect(call).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(call.message).toContain('Another primary');
    // The refused primary touched nothing: the worker still answers the first one, by the same id.
    expect(await ask(first, { cmd: 'primaryCall', workerId: 1, path: 'none' })).toMatchObject({ ok: true });
    expect(existsSync(path)).toBe(true);
  });

  it('a primary in standby waits while the path is taken, and takes it once the first primary closes', async () => {
    const path = freshPath();
    const first = start('primary', path);
    await first.next('started');
    const worker = start('worker', path);
    expect(await joinedId(worker, 1)).toBe(1);
    const standby = start('primary', path, { SOCKET_STANDBY: '1' });
    expect((await standby.next('error')).message).toContain('waits until the path comes free');
    first.command({ cmd: 'close' });
    await first.exited;
    expect((await standby.next('error', 15_000, (line) => String(line.message).includes('came free'))).message).toContain(path);
    expect(await joinedId(worker, 2)).toBe(1);
    expect(await ask(worker, { cmd: 'call', path: 'echo', input: 'after the handover' })).toMatchObject({
      ok: true,
      value: 'after the handover',
    });
  });

  it('a primary closing with a grace hands its workers to the one in standby: calls under way are answered, later ones go to the next primary, none fails', async () => {
    const path = freshPath();
    const first = start('primary', path);
    await first.next('started');
    const worker = start('worker', path);
    expect(await joinedId(worker, 1)).toBe(1);
    const standby = start('primary', path, { SOCKET_STANDBY: '1' });
    expect((await standby.next('error')).message).toContain('waits until the path comes free');
    // Under way when the first primary steps down: each takes 500 ms.
    const underWay = ask(worker, { cmd: 'calls', path: 'slow', input: { ms: 500, tag: 'under-way' }, count: 4, everyMs: 0 });
    // Made before, during and after the handover: one every 20 ms.
    const throughout = ask(worker, { cmd: 'calls', path: 'echo', input: 'throughout', count: 40, everyMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    first.command({ cmd: 'close', grace: 5000 });

    expect((await underWay).results).toEqual(Array.from({ length: 4 }, () => ({ ok: true, value: 'done' })));
    expect((await throughout).results).toEqual(Array.from({ length: 40 }, () => ({ ok: true, value: 'throughout' })));
    await worker.next('leaving');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(await joinedId(worker, 2)).toBe(1);
    expect(await ask(standby, { cmd: 'primaryCall', workerId: 1, path: 'echo', input: 'from the next primary' })).toMatchObject({
      ok: true,
      value: 'from the next primary',
    });
    expect(worker.lines.filter((line) => line.event === 'gaveUp')).toEqual([]);
    // onPrimary hears the first primary leave as it steps down, before the next one joins.
    expect(worker.lines.filter((line) => line.event === 'primary')).toEqual([
      { event: 'primary', type: 'joined' },
      { event: 'primary', type: 'left', reason: 'the primary is stepping down' },
      { event: 'primary', type: 'joined' },
    ]);
  });

  it('a primary that is a node:cluster worker (a PM2 instance) listens itself, not through its cluster primary: a second one is refused', async () => {
    const path = freshPath();
    cluster.setupPrimary({ exec: compiled(MEMBER), execArgv: [], silent: true });
    const fork = (): { worker: Worker; lines: Line[] } => {
      const worker = cluster.fork({ CLUSTER_RPC_ROLE: 'primary', SOCKET_PATH: path });
      const lines: Line[] = [];
      let buffered = '';
      worker.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as Line);
      });
      return { worker, lines };
    };
    const first = fork();
    await waitFor('the first primary to listen', () => existsSync(path));
    const second = fork();
    await waitFor('the second primary to be refused', () => second.lines.some((line) => line.event === 'error'), 15_000);
    const error = second.lines.find((line) => line.event === 'error');
    // Through a shared handle, both would have listened; the first answered the probe from its own process.
    expect(error?.message).toContain(`Another primary (pid ${first.worker.process.pid}`);
    expect(error?.message).toContain('refused');
    expect(first.lines.filter((line) => line.event === 'error')).toEqual([]);
  });

  it('a worker with a wrong token is refused and says why; one with the right token joins', async () => {
    const path = freshPath();
    const primary = start('primary', path, { SOCKET_TOKEN: 'right' });
    await primary.next('started');
    const stranger = start('worker', path, { SOCKET_TOKEN: 'wrong' });
    expect((await stranger.next('error')).message).toContain("its token is not the primary's");
    expect((await stranger.next('gaveUp')).why).toContain("its token is not the primary's");
    const member = start('worker', path, { SOCKET_TOKEN: 'right' });
    expect(await joinedId(member, 1)).toBeGreaterThan(0);
    const workers = await (async () => {
      const listed = primary.next('workers', 5000, () => true);
      primary.command({ cmd: 'workers' });
      return (await listed).workers as Array<{ pid: number }>;
    })();
    expect(workers.map((listed) => listed.pid)).toEqual([member.pid]);
  });
});
