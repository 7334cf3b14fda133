/**
 * Never two active primaries for one cluster name: a second primary is
 * refused with an error that says so, and of two that start together exactly
 * one becomes active (the earlier claim wins).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { createNatsRpc, type NatsTestRpc } from './fixtures/nats-app.js';

const LIVENESS_MS = 1000;
const REFUSED =
  /^Another primary \(pid \d+ on .+\) (is active|claimed the role first) for the cluster '[\w-]+'; this one was refused$/;

let server: NatsServer;
let rpc: NatsTestRpc | undefined;

describeNats('one active primary per cluster', () => {
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

  it('a second primary is refused with an error that says so; its calls fail with DISCONNECTED; workers join the first', async () => {
    const name = `second-${process.pid}`;
    const errors: string[] = [];
    rpc = createNatsRpc({
      servers: server.url,
      cluster: name,
      role: 'primary',
      livenessMs: LIVENESS_MS,
      onError: (error) => void errors.push(error.message),
    });
    const worker = startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    expect((await worker.next('joined')).primaryPid).toBe(process.pid);

    const second = startMember({ role: 'primary', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    const refusal = await second.next('error');
    expect(refusal.message).toMatch(REFUSED);
    expect(refusal.message).toContain(`pid ${process.pid}`);
    expect(refusal.message).toContain('is active');
    second.command({ cmd: 'primaryCall', tag: 'refused', workerId: 1, path: 'echo', input: 1 });
    const outcome = await second.next('outcome', 5000, (line) => line.tag === 'refused');
    expect(outcome).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(outcome.message).toMatch(/this one was refused/);
    second.command({ cmd: 'workers' });
    expect((await second.next('workers')).workers).toEqual([]);

    // The first is untouched: it keeps its worker, heard no error, and a new worker joins it too.
    const late = startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    expect((await late.next('joined')).primaryPid).toBe(process.pid);
    expect(rpc.primary.workers().map((entry) => entry.pid)).toEqual([worker.pid, late.pid]);
    expect(errors).toEqual([]);
  });

  it('two primaries started together: exactly one becomes active, the other is refused', async () => {
    const name = `together-${process.pid}`;
    const primaries = [0, 1].map(() =>
      startMember({ role: 'primary', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS }),
    );
    await Promise.all(primaries.map((primary) => primary.next('started')));
    const worker = startMember({ role: 'worker', servers: [server.url], cluster: name, livenessMs: LIVENESS_MS });
    const joined = await worker.next('joined');
    // Give a late refusal time to show.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const refused = primaries.filter((primary) => primary.lines.some((line) => line.event === 'error'));
    expect(refused).toHaveLength(1);
    const [loser] = refused;
    const winner = primaries.find((primary) => primary !== loser);
    expect(joined.primaryPid).toBe(winner?.pid);
    expect(loser?.lines.find((line) => line.event === 'error')?.message).toMatch(REFUSED);
  });
});
