/**
 * Hostile input on the socket: garbage, strangers without the token or the
 * secret, frames before a join, a peer that sends half a message and
 * stalls, a line that never ends, a 1 GiB length prefix (the framing before
 * lines: now the start of a line that never comes), and malformed JSON
 * inside a line.
 * Nothing crashes (this test file is the primary), nothing reaches a
 * handler, and the rpc answers afterwards; with a socket path, and under
 * node:cluster.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketTransport } from '../../src/socket.js';
import { PROTOCOL_VERSION } from '../../src/wire/protocol.js';
import { createTestRpc, type TestRpc } from '../fixtures/app.js';
import { killAllWorkers, nextReport } from '../helpers/cluster.js';
import { killAllMembers, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { RawClient } from './fixtures/raw-client.js';

const SUITE_WORKER = fileURLToPath(new URL('./fixtures/suite-worker.ts', import.meta.url));
const STRANGER = fileURLToPath(new URL('./fixtures/stranger.ts', import.meta.url));
const TOKEN = 'open sesame';

let rpc: TestRpc | undefined;
/** A real worker, to see the rpc still answers and how often the primary's `count` ran. */
let workerId = 0;

function current(): TestRpc {
  if (!rpc) throw new Error('not started');
  return rpc;
}

/** How often the primary's `count` handler ran, asked through the worker. */
async function countedOnPrimary(): Promise<number> {
  const outcome = (await current().primary.call(workerId, 'drive.call', { path: 'counted' })) as { value: number };
  return outcome.value;
}

/** A call to the primary's `count`: a stranger's must never run. */
const CALL_COUNT = { $crpc: PROTOCOL_VERSION, m: [['call', 'hostile-call', 'count', 1000, []]] };
const joinAs = (secret: string) => ({ t: 'join', v: 1, secret, id: 0, pid: process.pid, host: 'raw' });

describe('with a socket path and a token', () => {
  const directory = mkdtempSync(join(tmpdir(), 'crpc-hostile-'));
  const path = join(directory, 'rpc.sock');

  beforeAll(async () => {
    rpc = createTestRpc(socketTransport({ path, role: 'primary', token: TOKEN }));
    const member = startMember({
      role: 'worker',
      script: SUITE_WORKER,
      env: { SOCKET_PATH: path, CLUSTER_RPC_SOCKET_TOKEN: TOKEN },
    });
    await member.next('started');
    await waitFor('the worker to join', () => current().primary.workers().length === 1);
    workerId = current().primary.workers()[0]?.workerId ?? 0;
    await current().primary.call(workerId, 'none');
  });

  afterAll(async () => {
    await rpc?.close();
    rpc = undefined;
    await killAllMembers();
    rmSync(directory, { recursive: true, force: true });
  });

  it('strangers are closed before anything they sent is read as a frame: garbage, a frame first, a wrong token, a line that never ends', async () => {
    const before = await countedOnPrimary();
    const garbage = new RawClient(path);
    garbage.write(randomBytes(64 * 1024));
    const frameFirst = new RawClient(path);
    frameFirst.send(CALL_COUNT);
    const wrongToken = new RawClient(path);
    wrongToken.send(joinAs('open sesame?'));
    wrongToken.send(CALL_COUNT);
    // Longer than a join may be, without its newline: closed as soon as it passes the limit.
    const endless = new RawClient(path);
    endless.write(`{"t":"join","v":1,"secret":"${'x'.repeat(64 * 1024)}`);
    const rssBefore = process.memoryUsage().rss;

    expect(await Promise.all([garbage, frameFirst, wrongToken, endless].map((client) => client.closedWithin(2000)))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(wrongToken.messages).toEqual([{ t: 'refused', why: expect.stringContaining('token') }]);
    for (const client of [garbage, frameFirst, endless]) expect(client.messages).toEqual([]);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 2 ** 20);
    expect(await countedOnPrimary()).toBe(before);
    expect(
      current()
        .primary.workers()
        .map((listed) => listed.workerId),
    ).toEqual([workerId]);
  });

  it('a peer that sends half a message and stalls, or a 1 GiB length prefix, is closed after the handshake timeout, and costs the rpc nothing meanwhile', async () => {
    const stalled = Array.from({ length: 21 }, () => new RawClient(path));
    for (const [index, client] of stalled.entries()) {
      // Half a join, a few bytes, or a 1 GiB length prefix and the start of a join: no newline comes.
      if (index === 0) client.writeFramed(2 ** 30, Buffer.from('{"t":"join"'));
      else if (index % 2 === 0) client.write('{"t":"join","v":1,');
      else client.write(Buffer.from([0, 0]));
    }
    // Served while they stall.
    expect(await current().primary.call(workerId, 'echo', 'meanwhile')).toBe('meanwhile');
    const lived = await Promise.all(stalled.map((client) => client.closed));
    expect(Math.min(...lived)).toBeGreaterThan(2000);
    expect(Math.max(...lived)).toBeLessThan(6000);
  });

  it('a member that sends malformed JSON in a line keeps its connection; a line longer than the frame limit closes that connection only', async () => {
    const member = new RawClient(path);
    member.send(joinAs(TOKEN));
    const welcome = (await member.next((message) => (message as { t?: unknown }).t === 'welcome')) as { id: number };
    expect(welcome.id).toBeGreaterThan(workerId);
    // Not JSON, JSON that is not a frame, a frame of malformed envelopes: all dropped.
    member.write('{"$crpc":\n');
    member.send({ hello: 'not a frame' });
    member.send({ $crpc: PROTOCOL_VERSION, m: [['call'], ['ok', 42], 'x', null] });
    // Then a well-formed call, from the member it is: answered.
    member.send({ $crpc: PROTOCOL_VERSION, m: [['call', 'member-call', 'echo', 5000, ['still read']]] });
    const answer = await member.next((message) => JSON.stringify(message).includes('member-call'));
    expect(answer).toEqual({ $crpc: PROTOCOL_VERSION, m: [['ok', 'member-call', ['still read']]] });
    expect(
      current()
        .primary.workers()
        .map((listed) => listed.workerId),
    ).toEqual([workerId, welcome.id]);

    // The frame limit is 6 × maxPayloadBytes + 1 MiB (1.375 MiB here): 2 MiB of one string that never ends.
    member.write(`{"$crpc":${PROTOCOL_VERSION},"m":[["call","x","echo",5000,["${'y'.repeat(2 * 1024 * 1024)}`);
    expect(await member.closedWithin(2000)).toBe(true);
    await waitFor('the primary to drop the member', () => current().primary.workers().length === 1);
    expect(await current().primary.call(workerId, 'echo', 'after')).toBe('after');
    expect(current().pendingCount()).toBe(0);
  });
});

describe('under node:cluster', () => {
  let stranger: Worker;

  beforeAll(async () => {
    cluster.setupPrimary({ exec: SUITE_WORKER, execArgv: ['--import', 'tsx'], silent: false });
    rpc = createTestRpc(socketTransport());
    const worker = cluster.fork();
    workerId = worker.id;
    await current().primary.call(worker, 'none');
  });

  afterAll(async () => {
    await rpc?.close();
    rpc = undefined;
    await killAllWorkers();
  });

  it('a worker that knows the path is refused without its own secret, and its secret admits one connection', async () => {
    const before = await countedOnPrimary();
    cluster.setupPrimary({ exec: STRANGER, execArgv: ['--import', 'tsx'], silent: true });
    stranger = cluster.fork();
    const { attempts } = (await nextReport(stranger)) as { attempts: Record<string, { answers: unknown[]; hungUp: boolean }> };
    const refused = { answers: [{ t: 'refused', why: expect.any(String) }], hungUp: true };
    expect(attempts).toEqual({
      wrongSecret: refused,
      anotherWorkersId: refused,
      frameFirst: { answers: [], hungUp: true },
      garbage: { answers: [], hungUp: true },
      gigabytePrefix: { answers: [], hungUp: true },
      endlessLine: { answers: [], hungUp: true },
      // Welcomed (the primary's rpc waits for the worker's hello); this side hung up after half a second, not the primary.
      ownSecret: { answers: [{ t: 'welcome', id: stranger.id, pid: process.pid }], hungUp: false },
      ownSecretAgain: refused,
    });
    expect(await countedOnPrimary()).toBe(before);
    expect(await current().primary.call(workerId, 'echo', 'still here')).toBe('still here');
  });
});
