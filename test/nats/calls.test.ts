/**
 * The call semantics over NATS: the shared suite (both directions, every
 * error code, callAll, workers()) against real worker processes joined
 * through a real nats-server, this test file being the primary; then events,
 * broadcast, and callAll with partial results.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../../src/index.js';
import { natsTransport } from '../../src/nats.js';
import type { PrimaryEventMeta } from '../../src/types.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { createTestRpc, type Outcome, reportedHere, type TestRpc } from '../fixtures/app.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Member, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { type CallHarness, describeCallSemantics, type HarnessWorker } from '../suites/call-semantics.js';

// Short, so a killed worker is dropped quickly; not so short that a busy machine makes a live one look dead.
const LIVENESS_MS = 2000;
const CLUSTER = `calls-${process.pid}`;

let server: NatsServer | undefined;
let rpc: TestRpc | undefined;

function primary(): TestRpc {
  if (!rpc) throw new Error('not started');
  return rpc;
}

/** Starts a worker process and resolves once the primary lists it. */
async function startWorker(): Promise<{ member: Member; worker: HarnessWorker }> {
  if (!server) throw new Error('not started');
  const member = startMember({
    role: 'worker',
    servers: [server.url],
    cluster: CLUSTER,
    livenessMs: LIVENESS_MS,
    app: 'calls',
  });
  await member.next('started');
  await waitFor('the worker to join', () =>
    primary()
      .primary.workers()
      .some((listed) => listed.pid === member.pid),
  );
  const entry = primary()
    .primary.workers()
    .find((listed) => listed.pid === member.pid);
  if (!entry) throw new Error('the worker did not join');
  // Joined is not yet listening: one call proves its rpc object answers.
  await primary().primary.call(entry.workerId, 'none');
  const info: PeerInfo = { side: 'worker', workerId: entry.workerId, pid: member.pid, host: hostname() };
  return {
    member,
    worker: {
      workerId: entry.workerId,
      info,
      async kill() {
        await member.kill('SIGKILL');
        // Over NATS the primary notices within the liveness bound: wait for it.
        const gone = () =>
          primary()
            .primary.workers()
            .every((listed) => listed.workerId !== entry.workerId);
        await waitFor('the primary to drop the worker', gone, 5000);
      },
    },
  };
}

const overNats: CallHarness = {
  name: 'NATS',
  async start() {
    server = await startNatsServer();
    rpc = createTestRpc(natsTransport({ servers: server.url, cluster: CLUSTER, role: 'primary', livenessMs: LIVENESS_MS }));
  },
  async stop() {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
    await stopNatsServers();
  },
  get primary() {
    return primary().primary;
  },
  async addWorker() {
    return (await startWorker()).worker;
  },
  pendingCount: () => rpc?.pendingCount() ?? 0,
};

describeNats('over NATS', () => {
  describeCallSemantics(overNats);

  describe('events and gathers', () => {
    type Received = Array<{ name: string; payload: unknown; from: PeerInfo }>;
    let workers: HarnessWorker[] = [];
    const heard: Array<{ name: string; payload: unknown; meta: PrimaryEventMeta }> = [];
    const offs: Array<() => void> = [];

    const received = async (worker: HarnessWorker, name: string): Promise<Received> =>
      ((await primary().primary.call(worker.workerId, 'drive.received')) as Received).filter((entry) => entry.name === name);

    /** One round trip to every worker after the events were sent: over NATS, one publisher's messages stay in order. */
    const settle = async (): Promise<void> => {
      await Promise.all(workers.map((worker) => primary().primary.call(worker.workerId, 'none')));
    };

    beforeAll(async () => {
      workers = (await Promise.all([startWorker(), startWorker()])).map((started) => started.worker);
      offs.push(
        primary().primary.on('ping', (payload, meta) => void heard.push({ name: 'ping', payload, meta })),
        primary().primary.on('configChanged', (payload, meta) => void heard.push({ name: 'configChanged', payload, meta })),
      );
    });

    afterAll(() => {
      for (const off of offs) off();
    });

    it('a broadcast reaches every worker once, with superjson types and its headers, and resolves with how many it was handed to', async () => {
      const live = primary().primary.workers().length;
      const headers = { 'x-request-id': 'r-when' };
      expect(await primary().primary.broadcast('when', new Date(86_400_000), { headers })).toBe(live);
      await settle();
      for (const worker of workers) {
        expect(await received(worker, 'when')).toEqual([
          { name: 'when', payload: new Date(86_400_000), from: { side: 'primary' }, headers },
        ]);
      }
    });

    it('a listener that throws: onError hears it in the primary, with the event and who sent it', async () => {
      const [sender] = workers as [HarnessWorker];
      const off = primary().primary.on('ping', () => {
        throw new Error('listener failure (expected in this test)');
      });
      try {
        await primary().primary.call(sender.workerId, 'drive.emit', { name: 'ping', payload: { n: 7 } });
        await settle();
      } finally {
        off();
      }
      expect(reportedHere().filter((entry) => entry.where.kind === 'event')).toEqual([
        {
          where: { side: 'primary', kind: 'event', path: 'ping', caller: sender.info },
          message: 'listener failure (expected in this test)',
          stack: expect.stringContaining('calls.test.ts'),
        },
      ]);
    });

    it('a worker’s emit reaches the primary’s listeners with who sent it', async () => {
      const [sender] = workers as [HarnessWorker];
      heard.length = 0;
      const headers = { 'x-request-id': 'r-ping' };
      const outcome = (await primary().primary.call(sender.workerId, 'drive.emit', {
        name: 'ping',
        payload: { n: 2 },
        headers,
      })) as Outcome;
      expect(outcome).toEqual({ ok: true, value: undefined });
      await settle();
      expect(heard).toEqual([
        {
          name: 'ping',
          payload: { n: 2 },
          meta: {
            workerId: sender.workerId,
            pid: sender.info.side === 'worker' ? sender.info.pid : 0,
            host: hostname(),
            headers,
          },
        },
      ]);
    });

    it('a worker’s broadcast is relayed to the primary and every other worker, not back to the sender', async () => {
      const [sender, other] = workers as [HarnessWorker, HarnessWorker];
      heard.length = 0;
      const payload = { key: 'mode', value: 'fast' };
      const headers = { 'x-request-id': 'r-relayed' };
      await primary().primary.call(sender.workerId, 'drive.emit', { name: 'configChanged', payload, broadcast: true, headers });
      await settle();
      expect(heard.map((entry) => [entry.payload, entry.meta.headers])).toEqual([[payload, headers]]);
      expect(await received(other, 'configChanged')).toEqual([{ name: 'configChanged', payload, from: sender.info, headers }]);
      expect(await received(sender, 'configChanged')).toEqual([]);
    });

    it('an event name that is not in the set, with subject wildcards in it, is refused before sending', async () => {
      const [sender] = workers as [HarnessWorker];
      for (const name of ['ping.>', '*', 'a b', 'ping.*']) {
        const outcome = (await primary().primary.call(sender.workerId, 'drive.emit', { name, payload: { n: 1 } })) as Outcome;
        expect(outcome).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
      }
    });

    it('callAll settles per worker: a worker killed mid-call is rejected with DISCONNECTED, the others answer', async () => {
      const extra = await startWorker();
      const gathering = primary().primary.callAll('slow', { ms: 400, tag: 'gather' }, { timeout: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await extra.member.kill('SIGKILL');
      const results = await gathering;
      const others = results.filter((result) => result.workerId !== extra.worker.workerId);
      expect(others.length).toBeGreaterThanOrEqual(workers.length);
      expect(new Set(others.map((result) => result.status))).toEqual(new Set(['fulfilled']));
      expect(results.map((result) => result.workerId)).toEqual([
        ...others.map((result) => result.workerId),
        extra.worker.workerId,
      ]);
      const failed = results.at(-1);
      expect(failed?.status === 'rejected' && failed.error.code).toBe('DISCONNECTED');
    });
  });
});
