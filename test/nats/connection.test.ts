/**
 * The NATS connection itself: servers that cannot be reached, a server that
 * requires a user and password (without them a clear error and no hang; with
 * them, calls work, under subject permissions limited to the cluster), a user
 * whose permissions do not cover the cluster, a connection given by the
 * caller (left open by close()), and the transport's own connection (drained
 * and closed by close()).
 */
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RpcError } from '../../src/index.js';
import { freePort } from '../../support/free-port.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { createNatsRpc, type NatsTestRpc } from './fixtures/nats-app.js';

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
let rpc: NatsTestRpc | undefined;

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

  it('servers that cannot be reached: calls fail with DISCONNECTED naming the servers; onError hears it; close() does not hang', async () => {
    const ports = [await freePort(), await freePort()];
    const servers = ports.map((port) => `nats://127.0.0.1:${port}`);
    const errors: Error[] = [];
    rpc = createNatsRpc({ servers, cluster: CLUSTER, role: 'worker', onError: (error) => void errors.push(error) });
    const started = Date.now();
    // Made before the connection failed: held, then failed with the reason.
    const early = await failureOf(rpc.worker.call('echo', 1, { timeout: 20_000 }));
    expect(early.code).toBe('DISCONNECTED');
    for (const server of servers) expect(early.message).toContain(server);
    // Made after: at once, with the same reason.
    const late = await failureOf(rpc.worker.call('echo', 1));
    expect(late.code).toBe('DISCONNECTED');
    expect(late.message).toContain(servers[0]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining(`Cannot connect to the NATS server(s) ${servers.join(', ')}`),
    ]);
    await rpc.close();
    rpc = undefined;
  });

  it('a server that requires a user and password, reached without them: a clear error, no hang', async () => {
    const errors: Error[] = [];
    rpc = createNatsRpc({ servers: secured.url, cluster: CLUSTER, role: 'worker', onError: (error) => void errors.push(error) });
    const failure = await failureOf(rpc.worker.call('echo', 1, { timeout: 20_000 }));
    expect(failure.code).toBe('DISCONNECTED');
    expect(failure.message).toContain(secured.url);
    expect(failure.message).toMatch(/authorization/i);
    expect(errors).toHaveLength(1);
    await rpc.close();
    rpc = undefined;

    // A wrong password: the same.
    rpc = createNatsRpc({
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
        return rpc?.primary.call(1, 'echo', 1);
      })(),
    );
    expect(wrong.code).toBe('DISCONNECTED');
    expect(wrong.message).toMatch(/authorization/i);
  });

  it('with the credentials, under permissions limited to the cluster’s subjects: calls work both ways', async () => {
    rpc = createNatsRpc({
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
    expect(await rpc.primary.call(workerId as number, 'echo', 'hello')).toBe('hello');
    expect(worker.lines.filter((line) => line.event === 'error')).toEqual([]);
  });

  it('a user whose permissions do not cover the cluster: onError hears the permission violation, and it never joins', async () => {
    rpc = createNatsRpc({
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
    expect(rpc.primary.workers()).toEqual([]);
  });

  it('a connection given by the caller: used, and left open by close()', async () => {
    const nc = await connect({ servers: monitored.url, name: 'given connection' });
    rpc = createNatsRpc({ connection: nc, cluster: 'given', role: 'primary', livenessMs: LIVENESS_MS });
    const worker = startMember({ role: 'worker', servers: [monitored.url], cluster: 'given', livenessMs: LIVENESS_MS });
    const { workerId } = await worker.next('joined');
    expect(await rpc.primary.call(workerId as number, 'echo', 'via a given connection')).toBe('via a given connection');
    await rpc.close();
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
