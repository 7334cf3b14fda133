/**
 * Hostile traffic on a real channel, both ways: the table of malformed
 * messages, well-formed frames with hostile contents, and hostile procedure
 * paths. Nothing crashes, nothing reaches a handler or a listener, no
 * prototype is polluted, and the rpc answers normal calls afterwards.
 */
import type { Worker } from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllWorkers } from '../helpers/cluster.js';
import { forkFaultWorker, ReportDir, useFaultWorker } from '../helpers/faults.js';
import { waitFor } from '../helpers/wait.js';
import { onRawMessage, sendRaw as sendOnChannel } from './fixtures/channel.js';
import { HOSTILE, HOSTILE_ANSWERS, TABLES } from './fixtures/malformed.js';
import { watchPrototypes } from './fixtures/pollution.js';
import { createFaultRpc, type FaultRpc, recordHostileReplies, stats } from './fixtures/router.js';

/** Changes to the built-in prototypes of this process (the primary) since the file loaded. */
const prototypeChanges = watchPrototypes();

let rpc: FaultRpc;
let worker: Worker;
const reports = new ReportDir();
/** Set if the worker dies: a crash would show here first. */
let workerExit: string | undefined;

beforeAll(async () => {
  useFaultWorker();
  rpc = createFaultRpc();
  worker = forkFaultWorker(reports.file());
  worker.on('exit', (code, signal) => {
    workerExit = `code ${code}, signal ${signal}`;
  });
  onRawMessage((_from, message) => recordHostileReplies(message, HOSTILE_ANSWERS));
  await rpc.primary.call(worker, 'probe');
});
afterAll(async () => {
  await killAllWorkers();
  await rpc.close();
  reports.remove();
});

/** Sends `message` to the worker as it is, resolved once the channel has written it. */
function sendRaw(message: unknown): Promise<void> {
  return sendOnChannel(worker.id, message);
}

const unpolluted = {
  polluted: undefined,
  arrayPolluted: undefined,
  pollution: [],
};

describe('malformed and hostile messages on a real channel', () => {
  it(`primary → worker: ${TABLES.malformed.length} malformed messages and ${HOSTILE.length} hostile frames reach no handler and pollute nothing`, async () => {
    for (const message of TABLES.malformed) await sendRaw(message);
    for (const message of HOSTILE) await sendRaw(message);
    const seen = await rpc.primary.call(worker, 'probe');
    expect(workerExit).toBeUndefined();
    expect(seen).toMatchObject({ ...unpolluted, invocations: 0, events: 0, pending: 0 });
    await waitFor(
      'every hostile call to be answered',
      () => Object.keys(stats.replies).length === Object.keys(HOSTILE_ANSWERS).length,
    );
    expect(stats.replies).toEqual(HOSTILE_ANSWERS);
    expect(await rpc.primary.call(worker, 'echo', { still: 'works' })).toEqual({ still: 'works' });
    expect(await rpc.primary.call(worker, 'strict', { n: 7 })).toBe(7);
  });

  it(`worker → primary: the same tables sent as they are reach no handler and pollute nothing`, async () => {
    const before = { invocations: stats.invocations, events: stats.events };
    expect(await rpc.primary.call(worker, 'sendRaw', 'malformed')).toBe(TABLES.malformed.length);
    expect(await rpc.primary.call(worker, 'sendRaw', 'hostile')).toBe(HOSTILE.length);
    // Messages from one worker arrive in order: once this answer is back, all of the above were read.
    const probe = await rpc.primary.call(worker, 'probe');
    expect(stats.invocations).toBe(before.invocations);
    expect(stats.events).toBe(before.events);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeChanges()).toEqual([]);
    expect(rpc.pendingCount()).toBe(0);
    expect(probe.pending).toBe(0);
    await waitFor('the worker to see every hostile call answered', async () => {
      const seen = await rpc.primary.call(worker, 'probe');
      return Object.keys(seen.replies).length === Object.keys(HOSTILE_ANSWERS).length;
    });
    expect((await rpc.primary.call(worker, 'probe')).replies).toEqual(HOSTILE_ANSWERS);
    expect(await rpc.primary.call(worker, 'callAs', { path: 'echo', input: [1, 'two'] })).toEqual({
      ok: true,
      value: [1, 'two'],
    });
    expect(stats.byPath.echo).toBe(1);
  });
});

const MEGABYTE_PATH = 'p'.repeat(1024 * 1024);
/** Each path, and whether it can cross the channel for the worker to use it (a function cannot). */
const HOSTILE_PATHS: ReadonlyArray<[label: string, path: unknown, crosses?: boolean]> = [
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['toString', 'toString'],
  ['hasOwnProperty', 'hasOwnProperty'],
  ['valueOf', 'valueOf'],
  ['__defineGetter__', '__defineGetter__'],
  ['a.__proto__.b', 'a.__proto__.b'],
  ['__proto__.echo', '__proto__.echo'],
  ['echo.__proto__', 'echo.__proto__'],
  ['echo.constructor', 'echo.constructor'],
  ['names.__proto__', 'names.__proto__'],
  ['names.__proto__.toString', 'names.__proto__.toString'],
  ['names (a namespace, not a procedure)', 'names'],
  ['names.toString.call', 'names.toString.call'],
  ['the empty string', ''],
  ['.', '.'],
  ['echo.', 'echo.'],
  ['.echo', '.echo'],
  [' echo', ' echo'],
  ['ECHO', 'ECHO'],
  ['a 1 MiB path', MEGABYTE_PATH],
  ['a number', 42],
  ['null', null],
  ['an object that prints as echo', { toString: () => 'echo' }, false],
  ['an object whose toString is no function', { toString: 'echo' }],
];

interface CallResult {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
}

const directions = [
  {
    name: 'primary → worker',
    call: (path: unknown): Promise<CallResult> =>
      rpc.primary.call(worker, path as 'echo', undefined).then(
        (value) => ({ ok: true, value }),
        (error: { code: string; message: string }) => ({ ok: false, code: error.code, message: error.message }),
      ),
    invocations: async () => (await rpc.primary.call(worker, 'probe')).invocations,
    paths: HOSTILE_PATHS,
  },
  {
    name: 'worker → primary',
    call: (path: unknown): Promise<CallResult> =>
      rpc.primary.call(worker, 'callAs', { path, input: undefined }) as Promise<CallResult>,
    invocations: async () => stats.invocations,
    paths: HOSTILE_PATHS.filter(([, , crosses = true]) => crosses),
  },
];

describe.each(directions)('procedure paths from a hostile caller, $name', (direction) => {
  it.each(direction.paths)('%s is NOT_FOUND, and no handler runs', async (_label, path) => {
    const before = await direction.invocations();
    const result = await direction.call(path);
    expect(result).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    // The message names the path, cut short: a 1 MiB path does not come back in full.
    expect(result.message?.length).toBeLessThan(400);
    expect(await direction.invocations()).toBe(before);
  });

  it.each(['names.toString', 'names.constructor', 'names.hasOwnProperty'])(
    'the legitimate procedure %s still works',
    async (path) => {
      const result = await direction.call(path);
      expect(result).toEqual({ ok: true, value: `own ${path.slice('names.'.length)}` });
    },
  );
});
