/**
 * Hostile input on a cluster's subjects, from a plain NATS client: garbage
 * bytes, `null`, foreign JSON, malformed control messages, forged answers,
 * frames from sessions nobody knows, parts of frames that never add up,
 * messages as large as the server allows, a forged primary heartbeat that
 * claims an earlier start; and procedure paths with `*`, `>`, `.` and spaces.
 * Nothing crashes, nothing reaches a handler, and calls work afterwards.
 */
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, err, frame, hello, ok, PROTOCOL_VERSION } from '../../src/wire/protocol.js';
import { type NatsServer, startNatsServer, stopNatsServers } from '../../support/nats-server.js';
import { describeNats } from '../helpers/nats.js';
import { killAllMembers, type Member, startMember } from '../helpers/nats-members.js';
import { waitFor } from '../helpers/wait.js';
import { createNatsRpc, executions, type NatsTestRpc } from './fixtures/nats-app.js';

// Not what this file tests: the default bound, so a busy machine cannot make a worker look dead.
const LIVENESS_MS = 3000;
const CLUSTER = `hostile-${process.pid}`;
const BASE = `crpc.${CLUSTER}`;

let server: NatsServer;
let rpc: NatsTestRpc;
let worker: Member;
let workerId: number;
let plain: NatsConnection;
const errors: string[] = [];
/** The sessions seen on the wire: the primary's and the worker's. */
let primarySession = '';
let workerSession = '';
const FAKE = 'AAAAAAAAAAAAAAAA';

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describeNats('hostile input on the cluster’s subjects', () => {
  beforeAll(async () => {
    server = await startNatsServer();
    rpc = createNatsRpc({
      servers: server.url,
      cluster: CLUSTER,
      role: 'primary',
      livenessMs: LIVENESS_MS,
      onError: (error) => void errors.push(error.message),
    });
    worker = startMember({ role: 'worker', servers: [server.url], cluster: CLUSTER, livenessMs: LIVENESS_MS });
    workerId = (await worker.next('joined')).workerId as number;
    // A client that may publish and subscribe anywhere: it learns the sessions from the heartbeats.
    plain = await connect({ servers: server.url });
    plain.subscribe(`${BASE}.to.*.k.*`, {
      callback: (_error, msg) => {
        const [, , , to, , from] = msg.subject.split('.');
        if (msg.data.length < 40 && Buffer.from(msg.data).toString().includes('"hb"')) {
          primarySession = to ?? '';
          workerSession = from ?? '';
        }
      },
    });
    await waitFor('a heartbeat on the wire', () => primarySession !== '' && workerSession !== '');
  });

  afterAll(async () => {
    await plain?.close();
    await rpc?.close();
    await killAllMembers();
    await stopNatsServers();
  });

  it('survives garbage, null, foreign JSON and malformed control messages on every subject', async () => {
    const garbage = [
      randomBytes(64),
      Buffer.alloc(0),
      Buffer.from('null'),
      Buffer.from('{"type":"other-lib","n":1}'),
      Buffer.from('[1,2,3]'),
      Buffer.from('"a string"'),
      Buffer.from('{"v":1}'),
      Buffer.from('{"v":1,"t":"join","s":123,"j":{},"pid":"x","host":null}'),
      Buffer.from(`{"v":1,"t":"join","s":"${FAKE}","j":"j","pid":1,"host":"${'h'.repeat(10_000)}"}`),
      Buffer.from('{"v":1,"t":"welcome","id":-1,"j":"x"}'),
      Buffer.from('{"v":2,"t":"hb"}'),
      Buffer.from('{"__proto__":{"polluted":true},"v":1,"t":"leave","s":{"toString":1}}'),
      Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
      Buffer.from(`{"$crpc":${PROTOCOL_VERSION},"m":"not a list"}`),
      Buffer.from(`{"$crpc":${PROTOCOL_VERSION + 1},"m":[]}`),
      Buffer.from(`{"$crpc":${PROTOCOL_VERSION},"m":[["call"],["ok",1],["err","x",{}],["bogus"],null,["hello",7]]}`),
    ];
    const subjects = [
      `${BASE}.primary`,
      `${BASE}.workers`,
      `${BASE}.to.${primarySession}.k.${workerSession}`,
      `${BASE}.to.${primarySession}.f.${workerSession}`,
      `${BASE}.to.${workerSession}.k.${primarySession}`,
      `${BASE}.to.${workerSession}.f.${primarySession}`,
      `${BASE}.to.${primarySession}.x.${workerSession}`,
      `${BASE}.to.${primarySession}.f.not-a-session`,
      `${BASE}.to.${primarySession}.c.${workerSession}.1.0`,
      `${BASE}.to.${primarySession}`,
      `${BASE}`,
    ];
    for (const subject of subjects) for (const data of garbage) plain.publish(subject, data);
    await plain.flush();
    await expectHealthy();
  });

  it('ignores forged answers and calls: from unknown sessions, or answering calls nobody made', async () => {
    const forged = [
      // From the real worker's session: answers to ids nobody is waiting for.
      [
        `${BASE}.to.${primarySession}.f.${workerSession}`,
        frame([ok('no-such-call', [1]), err('nope', { code: 'X', message: 'y' })]),
      ],
      // From a session that never joined: even a call is dropped before the rpc layer sees it.
      [`${BASE}.to.${primarySession}.f.${FAKE}`, frame([hello(0), call('forged-1', 'work', -1, [{ id: 'forged-1' }])])],
      [`${BASE}.to.${workerSession}.f.${FAKE}`, frame([call('forged-2', 'work', -1, [{ id: 'forged-2' }])])],
      // A well-formed join from a session that never answers its welcome: it never becomes a worker.
      [`${BASE}.primary`, { v: 1, t: 'join', s: FAKE, j: 'forged', pid: 1, host: 'forger' }],
      // A welcome and an unknown from nobody, a leave naming a session that is not there.
      [`${BASE}.to.${workerSession}.k.${FAKE}`, { v: 1, t: 'welcome', id: 99, j: 'x' }],
      [`${BASE}.to.${workerSession}.k.${FAKE}`, { v: 1, t: 'unknown' }],
      [`${BASE}.workers`, { v: 1, t: 'leave', s: FAKE }],
      // A forged primary heartbeat claiming the earliest start: the primary asks it to confirm, nobody answers.
      [`${BASE}.workers`, { v: 1, t: 'here', s: FAKE, pid: 1, host: 'forger', since: 0 }],
      [`${BASE}.primary`, { v: 1, t: 'claim', s: FAKE, pid: 1, host: 'forger', since: 0 }],
    ] as const;
    for (const [subject, message] of forged) plain.publish(subject, json(message));
    await plain.flush();
    await expectHealthy();
    expect(executions.has('forged-1')).toBe(false);
    worker.command({ cmd: 'executions' });
    expect((await worker.next('executions')).ids).not.toContain('forged-2');
  });

  it('drops frames in parts that never add up, and parts as large as the server allows', async () => {
    const to = `${BASE}.to.${primarySession}.c.${workerSession}`;
    const max = plain.info?.max_payload ?? 1024 * 1024;
    const part = randomBytes(max);
    // Out of order, a count that is far too large, an index past the count, a part with no first part.
    plain.publish(`${to}.7.1.2`, part);
    for (let index = 0; index < 40; index++) plain.publish(`${to}.8.${index}.999999999`, part);
    plain.publish(`${to}.9.5.2`, part);
    plain.publish(`${to}.10.0.1`, part);
    // Parts that do add up, to garbage.
    plain.publish(`${to}.11.0.2`, part);
    plain.publish(`${to}.11.1.2`, part);
    plain.publish(`${BASE}.primary`, part);
    plain.publish(`${BASE}.to.${workerSession}.f.${primarySession}`, part);
    // Above max_payload the client refuses to send at all.
    expect(() => plain.publish(`${BASE}.primary`, Buffer.alloc(max + 1))).toThrow(/max_payload/);
    await plain.flush();
    await expectHealthy();
  });

  it('procedure paths with *, >, . and spaces give NOT_FOUND both ways; nothing reaches a handler', async () => {
    const paths = ['*', '>', 'work.>', 'work.*', '.', 'work.', '.work', 'work work', ' work', 'crpc.>', `${BASE}.primary`];
    for (const path of paths) {
      await expect(rpc.primary.call(workerId, path as 'echo', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      worker.command({ cmd: 'call', tag: `path ${path}`, path, input: 1 });
      expect(await worker.next('outcome', 5000, (line) => line.tag === `path ${path}`)).toMatchObject({
        ok: false,
        code: 'NOT_FOUND',
      });
    }
    await expectHealthy();
  });
});

/** Both processes alive, the worker still joined with the same id, calls answered both ways, no error reported. */
async function expectHealthy(): Promise<void> {
  expect(await rpc.primary.call(workerId, 'echo', 'still here')).toBe('still here');
  const tag = `healthy-${Date.now()}`;
  worker.command({ cmd: 'call', tag, path: 'echo', input: 'still here' });
  expect(await worker.next('outcome', 5000, (line) => line.tag === tag)).toMatchObject({ ok: true, value: 'still here' });
  expect(rpc.primary.workers()).toEqual([expect.objectContaining({ workerId, pid: worker.pid })]);
  expect(worker.process.exitCode).toBeNull();
  expect(errors).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}
