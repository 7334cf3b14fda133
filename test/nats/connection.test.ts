/**
 * The NATS connection itself: servers that cannot be reached yet (tried
 * again until they answer; calls held meanwhile, and failed at their
 * timeout saying why), a worker that finds no primary, a server that
 * requires a user and password (without them a clear error at once; with
 * them, calls work, under subject permissions limited to the cluster), a user
 * whose permissions do not cover the cluster, a connection given by the
 * caller (left open by close()), and the transport's own connection (drained
 * and closed by close()).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createClusterRpc, RpcError } from '../../src/index.js';
import { natsTransport } from '../../src/nats.js';
import { freePort } from '../../support/free-port.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { createNatsRpc, events, type NatsTestRpc, primaryRouter } from './fixtures/nats-app.js';

const LIVENESS_MS = 1000;
const CLUSTER = 'shop';

/**
 * The README's permissions: each user may use its own cluster's subjects and nothing else, and a worker may
 * neither speak as the primary on `….workers` nor hear the claims and joins on `….primary`.
 */
const AUTH_CONFIG = `
authorization {
  users: [
    { user: shop-primary, password: p-secret, permissions: { publish: ["crpc.shop.>"], subscribe: ["crpc.shop.>"] } }
    {
      user: shop-worker, password: w-secret,
      permissions: {
        publish: { allow: ["crpc.shop.>"], deny: ["crpc.shop.workers"] }
        subscribe: { allow: ["crpc.shop.>"], deny: ["crpc.shop.primary"] }
      }
    }
    { user: elsewhere, password: e-secret, permissions: { publish: ["crpc.other.>"], subscribe: ["crpc.other.>"] } }
  ]
}
`;

let secured: NatsServer;
let monitored: NatsServer;
let monitorPort: number;
/** The rpc object of the test under way, closed after it. */
let rpc: { close(): Promise<void> } | undefined;

/** This process's rpc object over NATS, closed after the test. */
function natsRpc(options: Parameters<typeof createNatsRpc>[0]): NatsTestRpc {
  const created = createNatsRpc(options);
  rpc = created;
  return created;
}

async function failureOf(promise: Promise<unknown>): Promise<RpcError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(outcome)}`);
  return outcome;
}

/** The names of the clients connected to `monitored` now. */
async function connectedNames(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/connz`);
  const body = (await response.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).map((connection) => connection.name ?? '');
}

describeNats('the NATS connection', () => {
  beforeAll(async () => {
    monitorPort = await freePort();
    [secured, monitored] = await Promise.all([startNatsServer({ config: AUTH_CONFIG }), startNatsServer({ monitorPort })]);
  });

  afterEach(async () => {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
  });

  afterAll(async () => {
    await stopNatsServers();
  });

  it('servers that cannot be reached yet: tried again, calls held and failed at their timeout with DISCONNECTED naming the servers and why; onError hears it once; close() does not hang', async () => {
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port) => `nats://127.0.0.1:${port}`);
    const errors: Error[] = [];
    const worker = natsRpc({ servers, cluster: CLUSTER, role: 'worker', onError: (error) => void errors.push(error) });
    const [call, stream] = await Promise.all([
      failureOf(worker.worker.call('echo', 1, { timeout: 1500 })),
      failureOf(worker.worker.stream('echo' as never, 1, { timeout: 1500 }).next()),
    ]);
    for (const failure of [call, stream]) {
      expect(failure.code).toBe('DISCONNECTED');
      expect(failure.message).toContain(`cannot reach the NATS server(s) ${servers.join(', ')}`);
      expect(failure.message).toMatch(/refused/);
    }
    expect(call.message).toMatch(/^Not sent within 1500 ms: /);
    expect(stream.message).toMatch(/^Not opened within 1500 ms: /);
    // Several rounds failed by now: heard once, not once a round.
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(new RegExp(`^Cannot connect to the NATS server\\(s\\) ${servers.join(', ')}: .*trying again`)),
    ]);
    await worker.close();
    rpc = undefined;
  });

  it('a worker and a primary started 3 s before their nats-server: a call made meanwhile waits, and calls work both ways once it is up', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const primary = startMember({ role: 'primary', servers: [url], cluster: 'early', livenessMs: LIVENESS_MS });
    const worker = startMember({ role: 'worker', servers: [url], cluster: 'early', livenessMs: LIVENESS_MS });
    await Promise.all([primary.next('started'), worker.next('started')]);
    worker.command({ cmd: 'call', path: 'echo', input: 'made before the server', timeout: 25_000, tag: 'early' });
    await delay(3000);
    await startNatsServer({ port });
    expect(await worker.next('outcome', 25_000, (line) => line.tag === 'early')).toMatchObject({
      ok: true,
      value: 'made before the server',
    });
    const { workerId } = await worker.next('joined');
    primary.command({ cmd: 'primaryCall', workerId, path: 'echo', input: 'and back', tag: 'back' });
    expect(await primary.next('outcome', 10_000, (line) => line.tag === 'back')).toMatchObject({ ok: true, value: 'and back' });
    // Each said once that it could not connect yet, and nothing else went wrong.
    for (const member of [primary, worker]) {
      expect(member.lines.filter((line) => line.event === 'error')).toEqual([
        { event: 'error', message: expect.stringMatching(/^Cannot connect to the NATS server\(s\) .*trying again/) },
      ]);
    }
  });

  it('a worker whose calls, streams and events find no primary: DISCONNECTED at their timeout, naming the cluster', async () => {
    const lonely = createClusterRpc({
      primary: primaryRouter,
      events,
      timeout: 1000,
      transport: natsTransport({ servers: monitored.url, cluster: 'lonely', role: 'worker', livenessMs: LIVENESS_MS }),
    });
    rpc = lonely;
    const [call, stream, event] = await Promise.all([
      failureOf(lonely.worker.call('echo', 1, { timeout: 2000 })),
      failureOf(lonely.worker.stream('echo' as never, 1, { timeout: 1000 }).next()),
      failureOf(lonely.worker.emit('ping', { n: 1 })),
    ]);
    expect(call).toMatchObject({
      code: 'DISCONNECTED',
      message: "Not sent within 2000 ms: no primary has joined the cluster 'lonely' ('echo' on the primary)",
    });
    expect(stream).toMatchObject({
      code: 'DISCONNECTED',
      message: "Not opened within 1000 ms: no primary has joined the cluster 'lonely' ('echo' on the primary)",
    });
    expect(event).toMatchObject({
      code: 'DISCONNECTED',
      message: "Event 'ping' not sent within 1000 ms: no primary has joined the cluster 'lonely'",
    });
  });

  it('a server that requires a user and password, reached without them: a clear error at once, not retried', async () => {
    const errors: Error[] = [];
    const worker = natsRpc({
      servers: secured.url,
      cluster: CLUSTER,
      role: 'worker',
      onError: (error) => void errors.push(error),
    });
    // Far longer than the test may take: it fails because the transport gave up, not by its timeout.
    const failure = await failureOf(worker.worker.call('echo', 1, { timeout: 60_000 }));
    expect(failure.code).toBe('DISCONNECTED');
    expect(failure.message).toContain(secured.url);
    expect(failure.message).toMatch(/authorization/i);
    expect(failure.message).not.toContain('Not sent within');
    expect(errors.map((error) => error.message)).toEqual([expect.not.stringContaining('trying again')]);
    // Later calls: at once.
    expect((await failureOf(worker.worker.call('echo', 1, { timeout: 60_000 }))).code).toBe('DISCONNECTED');
    await worker.close();
    rpc = undefined;

    // A wrong password: the same.
    const primary = natsRpc({
      servers: secured.url,
      cluster: CLUSTER,
      role: 'primary',
      user: 'shop-primary',
      pass: 'wrong',
      onError: () => {},
    });
    const wrong = await failureOf(
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return primary.primary.call(1, 'echo', 1);
      })(),
    );
    expect(wrong.code).toBe('DISCONNECTED');
    expect(wrong.message).toMatch(/authorization/i);
  });

  it('with the credentials, under permissions limited to the cluster’s subjects: calls work both ways', async () => {
    const primary = natsRpc({
      servers: secured.url,
      cluster: CLUSTER,
      role: 'primary',
      livenessMs: LIVENESS_MS,
      user: 'shop-primary',
      pass: 'p-secret',
    });
    const worker = startMember({
      role: 'worker',
      servers: [secured.url],
      cluster: CLUSTER,
      livenessMs: LIVENESS_MS,
      env: { NATS_USER: 'shop-worker', NATS_PASS: 'w-secret' },
    });
    const { workerId } = await worker.next('joined');
    expect(await primary.primary.call(workerId as number, 'echo', 'hello')).toBe('hello');
    expect(worker.lines.filter((line) => line.event === 'error')).toEqual([]);
  });

  it('a user whose permissions do not cover the cluster: onError hears the permission violation, and it never joins', async () => {
    const primary = natsRpc({
      servers: secured.url,
      cluster: CLUSTER,
      role: 'primary',
      livenessMs: LIVENESS_MS,
      user: 'shop-primary',
      pass: 'p-secret',
    });
    const outsider = startMember({
      role: 'worker',
      servers: [secured.url],
      cluster: CLUSTER,
      livenessMs: LIVENESS_MS,
      env: { NATS_USER: 'elsewhere', NATS_PASS: 'e-secret' },
    });
    const violation = await outsider.next('error');
    expect(violation.message).toMatch(/permissions violation/i);
    expect(primary.primary.workers()).toEqual([]);
  });

  it('a connection given by the caller: used, and left open by close()', async () => {
    const nc = await connect({ servers: monitored.url, name: 'given connection' });
    const primary = natsRpc({ connection: nc, cluster: 'given', role: 'primary', livenessMs: LIVENESS_MS });
    const worker = startMember({ role: 'worker', servers: [monitored.url], cluster: 'given', livenessMs: LIVENESS_MS });
    const { workerId } = await worker.next('joined');
    expect(await primary.primary.call(workerId as number, 'echo', 'via a given connection')).toBe('via a given connection');
    await primary.close();
    rpc = undefined;
    expect(nc.isClosed()).toBe(false);
    await nc.flush();
    expect(await connectedNames()).toContain('given connection');
    await nc.close();
  });

  it('the transport’s own connection: drained and closed by close(), also when close() comes before it connected', async () => {
    rpc = createNatsRpc({ servers: monitored.url, cluster: 'owned', role: 'primary', livenessMs: LIVENESS_MS });
    await expect
      .poll(async () => (await connectedNames()).some((name) => name.startsWith('cluster-rpc owned primary')))
      .toBe(true);
    await rpc.close();
    rpc = undefined;
    await expect.poll(async () => (await connectedNames()).some((name) => name.startsWith('cluster-rpc owned'))).toBe(false);

    // Closed at once: the connection that opens afterwards is closed too.
    const hasty = createNatsRpc({ servers: monitored.url, cluster: 'hasty', role: 'worker', livenessMs: LIVENESS_MS });
    await hasty.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await connectedNames()).some((name) => name.startsWith('cluster-rpc hasty'))).toBe(false);
  });
});
