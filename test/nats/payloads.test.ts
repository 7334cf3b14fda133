/**
 * Large payloads over NATS: a server with the default 1 MB `max_payload`
 * carries 5 MB and 15 MB calls both ways intact (frames go in parts and are
 * put back together), and `maxPayloadBytes` still refuses what is larger,
 * before anything is sent.
 */
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RpcError } from '../../src/index.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Member, startMember } from '../helpers/nats-members.js';
import { bigValue, createNatsRpc, type NatsTestRpc } from './fixtures/nats-app.js';

const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
const MB = 1024 * 1024;

let server: NatsServer;
let rpc: NatsTestRpc;
let worker: Member;
let workerId: number;

describeNats('large payloads over NATS', () => {
  beforeAll(async () => {
    server = await startNatsServer();
    const name = `payloads-${process.pid}`;
    // Generous liveness: a 15 MB JSON round trip keeps a 2-core machine busy for a while.
    rpc = createNatsRpc({ servers: server.url, cluster: name, role: 'primary', livenessMs: 5000 }, MAX_PAYLOAD_BYTES);
    worker = startMember({
      role: 'worker',
      servers: [server.url],
      cluster: name,
      livenessMs: 5000,
      env: { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) },
    });
    workerId = (await worker.next('joined')).workerId as number;
  });

  afterAll(async () => {
    await rpc.close();
    await killAllMembers();
    await stopNatsServers();
  });

  it('the server says max_payload is 1 MB (its default)', async () => {
    const plain = await connect({ servers: server.url });
    expect(plain.info?.max_payload).toBe(MB);
    await plain.close();
  });

  it.each([5, 15])('%i MB from the primary to a worker and back, intact', async (size) => {
    const value = bigValue(size * MB);
    expect(JSON.stringify(value).length).toBeGreaterThan(size * MB * 0.9);
    const echoed = await rpc.primary.call(workerId, 'echo', value, { timeout: 30_000 });
    expect(echoed).toEqual(value);
  });

  it.each([5, 15])('%i MB from a worker to the primary and back, intact', async (size) => {
    worker.command({ cmd: 'echoBig', bytes: size * MB });
    const outcome = await worker.next('echoBig', 30_000, (line) => line.length === bigValue(size * MB).text.length);
    expect(outcome).toMatchObject({ ok: true, equal: true });
  });

  it('over maxPayloadBytes: PAYLOAD_TOO_LARGE before anything is sent, and the worker never sees it', async () => {
    const handledBefore = await rpc.primary.call(workerId, 'handled');
    const started = Date.now();
    const failure = await rpc.primary.call(workerId, 'echo', 'x'.repeat(MAX_PAYLOAD_BYTES + 1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect((failure as RpcError).code).toBe('PAYLOAD_TOO_LARGE');
    expect((failure as RpcError).message).toContain(String(MAX_PAYLOAD_BYTES));
    expect(Date.now() - started).toBeLessThan(1000);
    // `handled` itself is one more call.
    expect(await rpc.primary.call(workerId, 'handled')).toBe(handledBefore);
  });
});
