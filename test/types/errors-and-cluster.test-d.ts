import type { Address, Worker } from 'node:cluster';
import http from 'node:http';
import { describe, expectTypeOf, test } from 'vitest';
import {
  type ClusterManager,
  type ClusterManagerSignals,
  type CrashLoopInfo,
  createClusterManager,
  type DrainResult,
  type RestartResult,
  type ServedWorker,
  type ShutdownResult,
  serveWorker,
  type WorkerExit,
} from '../../src/cluster.js';
import { createClusterRpc, RPC_ERROR_CODES, RpcError, type RpcErrorCode } from '../../src/index.js';
import type { RpcIssue } from '../../src/types.js';

describe('RpcError', () => {
  test('the code table lists every built-in code as a literal', () => {
    expectTypeOf<RpcErrorCode>().toEqualTypeOf<
      | 'BAD_REQUEST'
      | 'NOT_FOUND'
      | 'INTERNAL_ERROR'
      | 'OUTPUT_INVALID'
      | 'TIMEOUT'
      | 'ABORTED'
      | 'DISCONNECTED'
      | 'PAYLOAD_TOO_LARGE'
      | 'SHUTTING_DOWN'
      | 'UNSERIALIZABLE'
    >();
    expectTypeOf(RPC_ERROR_CODES.TIMEOUT).toEqualTypeOf<'TIMEOUT'>();
  });

  test('a handler may use its own codes; built-in ones still complete', () => {
    const own = new RpcError('USER_NOT_FOUND', 'No user u1', { data: { id: 'u1' } });
    expectTypeOf(own.data).toEqualTypeOf<{ id: string } | undefined>();
    expectTypeOf(own.code).toExtend<string>();
    expectTypeOf<'TIMEOUT'>().toExtend<typeof own.code>();
    expectTypeOf(own.issues).toEqualTypeOf<readonly RpcIssue[] | undefined>();
    expectTypeOf(own).toExtend<Error>();
  });

  test('instanceof narrows an unknown rejection', () => {
    const error: unknown = new RpcError('TIMEOUT', 'late');
    if (error instanceof RpcError) expectTypeOf(error.code).toExtend<string>();
  });

  test('misuse', () => {
    // @ts-expect-error a code is required
    new RpcError();
    // @ts-expect-error issues need a message and a path
    new RpcError('BAD_REQUEST', 'bad', { issues: [{ text: 'x' }] });
  });
});

describe('the cluster manager and serveWorker', () => {
  const rpc = createClusterRpc();

  test('createClusterManager returns a manager whose methods resolve with typed results', async () => {
    const manager = createClusterManager({ workers: 2, rpc, schedulingPolicy: 'rr' });
    expectTypeOf(manager).toEqualTypeOf<ClusterManager>();
    expectTypeOf(manager.start()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(await manager.restart()).toEqualTypeOf<RestartResult>();
    expectTypeOf(await manager.shutdown({ reason: 'test' })).toEqualTypeOf<ShutdownResult>();
    expectTypeOf(manager.workers).toEqualTypeOf<readonly Worker[]>();
  });

  test('manager events carry typed arguments', () => {
    const manager = createClusterManager();
    manager.on('exit', (exit) => expectTypeOf(exit).toEqualTypeOf<WorkerExit>());
    manager.on('ready', (worker, address) => {
      expectTypeOf(worker).toEqualTypeOf<Worker>();
      expectTypeOf(address).toEqualTypeOf<Address | undefined>();
    });
    manager.on('crashLoop', (info) => expectTypeOf(info).toEqualTypeOf<CrashLoopInfo>());
    // @ts-expect-error no such event
    manager.on('crashed', () => {});
    // @ts-expect-error the exit listener receives a WorkerExit, not a number
    manager.on('exit', (code: number) => code);
  });

  test('options are typed', () => {
    // @ts-expect-error the policy is 'rr' or 'none'
    createClusterManager({ schedulingPolicy: 'round-robin' });
    // @ts-expect-error workers is a number
    createClusterManager({ workers: '4' });
  });

  test('signals takes true, false, or signal names (one or several) or false per role', () => {
    createClusterManager({ signals: true });
    createClusterManager({ signals: false });
    createClusterManager({ signals: { restart: 'SIGUSR2' } });
    createClusterManager({ signals: { shutdown: ['SIGTERM', 'SIGINT'], restart: false } });
    const signals: ClusterManagerSignals = { shutdown: 'SIGTERM', restart: ['SIGUSR2', 'SIGHUP'] };
    createClusterManager({ signals });
    // @ts-expect-error not a signal's name
    createClusterManager({ signals: { restart: 'SIGFOO' } });
    // @ts-expect-error the roles are shutdown and restart
    createClusterManager({ signals: { reload: 'SIGHUP' } });
    // @ts-expect-error true is not a role's value: leave the key out for its default
    createClusterManager({ signals: { restart: true } });
  });

  test('serveWorker takes servers and the rpc object, and returns a handle to drain', async () => {
    const served = serveWorker({ server: http.createServer(), rpc, graceMs: 1000 });
    expectTypeOf(served).toEqualTypeOf<ServedWorker>();
    expectTypeOf(await served.drain()).toEqualTypeOf<DrainResult>();
    // @ts-expect-error a server is required
    serveWorker({ rpc });
  });
});
