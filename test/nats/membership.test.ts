/**
 * Who is there, over NATS: the primary hears every worker join and leave
 * once, in order, through kills, closes and new workers; a worker hears its
 * primary die and the next one join, and gets a new id; and the README's
 * recipe, a primary that pushes its config to every worker that joins,
 * brings the workers of a replaced primary up to date.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WorkerChange } from '../../src/index.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Line, type Member, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { config, createConfigRpc, pushConfigOnJoin, setConfig } from './fixtures/config-app.js';

const LIVENESS_MS = 1000;
const CONFIG_MEMBER = fileURLToPath(new URL('./fixtures/config-member.ts', import.meta.url));

let server: NatsServer;
let rpc: ReturnType<typeof createConfigRpc> | undefined;

function startConfigMember(role: 'primary' | 'worker', cluster: string, env: Record<string, string> = {}): Member {
  return startMember({ role, servers: [server.url], cluster, livenessMs: LIVENESS_MS, script: CONFIG_MEMBER, env });
}

/** The lines of `member` with `event`. */
const linesOf = (member: Member, event: string): Line[] => member.lines.filter((line) => line.event === event);

describeNats('who is there, over NATS', () => {
  beforeAll(async () => {
    server = await startNatsServer();
  });

  afterEach(async () => {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
  });

  afterAll(async () => {
    await stopNatsServers();
  });

  it('the primary hears each worker join and leave once, in order, through kills, closes and new workers', async () => {
    rpc = createConfigRpc({ servers: [server.url], cluster: 'comings', livenessMs: LIVENESS_MS, role: 'primary' });
    const primary = rpc.primary;
    const heard: Array<WorkerChange & { listed: boolean }> = [];
    primary.onWorkers((change) => {
      heard.push({ ...change, listed: primary.workers().some((worker) => worker.workerId === change.worker.workerId) });
    });
    let late: WorkerChange[] | undefined;
    const count = (type: WorkerChange['type']): number => heard.filter((change) => change.type === type).length;

    for (let round = 0; round < 2; round++) {
      const joinedBefore = count('joined');
      const leftBefore = count('left');
      const [killed, closing] = [startConfigMember('worker', 'comings'), startConfigMember('worker', 'comings')];
      await waitFor('both workers to join', () => count('joined') === joinedBefore + 2);
      if (round === 1) {
        // A listener added now hears what comes next, not the joins before it.
        late = [];
        const list = late;
        primary.onWorkers((change) => void list.push(change));
      }
      await killed.kill('SIGKILL');
      closing.process.stdin?.write('close\n');
      await waitFor('both workers to leave', () => count('left') === leftBefore + 2, 10_000);
    }

    const byWorker = new Map<number, string[]>();
    for (const change of heard)
      byWorker.set(change.worker.workerId, [...(byWorker.get(change.worker.workerId) ?? []), change.type]);
    expect([...byWorker.values()]).toEqual([
      ['joined', 'left'],
      ['joined', 'left'],
      ['joined', 'left'],
      ['joined', 'left'],
    ]);
    // Listed from its join on, no longer once it left; a dead worker is noticed by its silence.
    for (const change of heard) expect(change.listed).toBe(change.type === 'joined');
    // A killed worker is noticed by its silence; one that closes its rpc object says so.
    const reasons = heard.flatMap((change) => (change.type === 'left' ? [change.reason] : []));
    expect(reasons.filter((reason) => /silent for \d+ ms/.test(reason))).toHaveLength(2);
    expect(reasons.filter((reason) => reason === 'it closed its rpc object')).toHaveLength(2);
    expect(late?.map((change) => change.type)).toEqual(['left', 'left']);
    expect(primary.workers()).toEqual([]);
  });

  it('a replaced primary brings the rejoining workers up to date from onWorkers; the workers hear it go and come, with new ids', async () => {
    const first = startConfigMember('primary', 'replaced', { CONFIG_MODE: 'v1' });
    await first.next('started');
    const workers = [startConfigMember('worker', 'replaced'), startConfigMember('worker', 'replaced')];
    for (const worker of workers) await worker.next('config', 15_000, (line) => (line.config as { mode?: string }).mode === 'v1');

    await first.kill('SIGKILL');
    for (const worker of workers) await worker.next('primary', 10_000, (line) => line.type === 'left');

    // The next primary: this process, with a newer config, pushed to each worker as it joins.
    config.clear();
    config.set('mode', 'v2');
    rpc = createConfigRpc({ servers: [server.url], cluster: 'replaced', livenessMs: LIVENESS_MS, role: 'primary' });
    pushConfigOnJoin(rpc);
    for (const worker of workers) await worker.next('config', 15_000, (line) => (line.config as { mode?: string }).mode === 'v2');
    const primary = rpc.primary;
    await waitFor('both workers to be listed', () => primary.workers().length === 2);

    for (const worker of workers) {
      const changes = linesOf(worker, 'primary');
      expect(changes.map((line) => line.type)).toEqual(['joined', 'left', 'joined']);
      expect(changes[0]?.self).toMatchObject({ pid: worker.pid });
      expect(changes[1]).toMatchObject({ reason: expect.stringMatching(/silent/), self: null });
      // self() gives the id the new primary gave it.
      const self = changes[2]?.self as { workerId: number; pid: number };
      expect(self.pid).toBe(worker.pid);
      expect(primary.workers().find((listed) => listed.pid === worker.pid)?.workerId).toBe(self.workerId);
    }
    // Changes from now on reach them by broadcast.
    expect(await setConfig(rpc, 'mode', 'v3')).toBe(2);
    for (const worker of workers) await worker.next('config', 5000, (line) => (line.config as { mode?: string }).mode === 'v3');
  });
});
