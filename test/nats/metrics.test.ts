/**
 * Metrics over NATS: the gather rides the ordinary call path, so the same
 * counts come back from worker processes joined through a real nats-server,
 * and a frozen worker (SIGSTOP) is named as missing within the deadline with
 * its last counts kept.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClusterMetrics } from '../../src/index.js';
import { natsTransport } from '../../src/nats.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Member, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { createMetricsRpc } from './fixtures/metrics-app.js';

const LIVENESS_MS = 1000;
const SCRAPE_TIMEOUT_MS = 500;
const CLUSTER = `metrics-${process.pid}`;

let server: NatsServer | undefined;
let rpc: ReturnType<typeof createMetricsRpc> | undefined;
const members: Member[] = [];

function total(metrics: ClusterMetrics, procedure: string, side: 'served' | 'made') {
  const entry = metrics.totals.calls.find((call) => call.procedure === procedure && call.side === side);
  return { calls: entry?.calls ?? 0, failures: entry?.failures ?? {} };
}

describeNats('metrics over NATS', () => {
  beforeAll(async () => {
    server = await startNatsServer();
    rpc = createMetricsRpc(natsTransport({ servers: server.url, cluster: CLUSTER, role: 'primary', livenessMs: LIVENESS_MS }));
    for (let n = 0; n < 2; n++) {
      const member = startMember({
        role: 'worker',
        servers: [server.url],
        cluster: CLUSTER,
        livenessMs: LIVENESS_MS,
        app: 'metrics',
      });
      await member.next('started');
      members.push(member);
    }
    await waitFor('both workers to join', () => (rpc?.primary.workers().length ?? 0) === 2);
  }, 60_000);

  afterAll(async () => {
    for (const member of members) member.process.kill('SIGCONT');
    await rpc?.close();
    await killAllMembers();
    await stopNatsServers();
  });

  it('gathers exact counts from every worker, and names a stopped one within the deadline', async () => {
    const primary = rpc?.primary;
    if (!primary) throw new Error('not started');
    const [one, two] = primary.workers();
    if (!one || !two) throw new Error('two workers expected');
    await primary.call(one.workerId, 'drive', { ok: 4, fail: 1 });
    await primary.call(two.workerId, 'drive', { ok: 2, fail: 2 });

    const full = await primary.metrics();
    expect(full.missing).toEqual([]);
    expect(full.processes.map((process) => process.pid)).toEqual([process.pid, one.pid, two.pid]);
    expect(total(full, 'ok', 'made')).toEqual({ calls: 6, failures: {} });
    expect(total(full, 'ok', 'served')).toEqual({ calls: 6, failures: {} });
    expect(total(full, 'fail', 'made')).toEqual({ calls: 3, failures: { CONFLICT: 3 } });
    expect(total(full, 'drive', 'served')).toEqual({ calls: 2, failures: {} });
    expect(full.totals.workers.joins).toBe(2);

    process.kill(two.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const partial = await primary.metrics({ timeout: SCRAPE_TIMEOUT_MS });
      expect(Date.now() - started).toBeLessThan(SCRAPE_TIMEOUT_MS + 2000);
      expect(partial.missing.map((worker) => [worker.workerId, worker.error.code])).toEqual([[two.workerId, 'TIMEOUT']]);
      expect(partial.totals.calls).toEqual(full.totals.calls);
    } finally {
      process.kill(two.pid, 'SIGCONT');
    }
  });
});
