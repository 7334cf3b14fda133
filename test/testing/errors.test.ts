/**
 * An RpcError as the caller sees it, in a test cluster: JSON, a message that
 * names where it was thrown once, and a stack that shows the caller's code
 * for a call, a callAll and a stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineRouter, procedure, RpcError } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';

const clusters: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

function startCluster() {
  const cluster = createTestCluster({
    primary: defineRouter({
      take: procedure.handler((): never => {
        throw new RpcError('SLOW_DOWN', 'slow down', { data: { retryAfterMs: 500 } });
      }),
      hang: procedure.handler(() => new Promise<never>(() => {})),
    }),
    worker: defineRouter({
      take: procedure.handler((): never => {
        throw new RpcError('SLOW_DOWN', 'slow down');
      }),
      broken: procedure.stream(async function* () {
        yield 1;
        throw new RpcError('BROKEN', 'it broke');
      }),
    }),
    workers: 1,
    onError: false,
  });
  clusters.push(cluster);
  return cluster;
}

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

describe('an RpcError, as the caller sees it', () => {
  it("a handler's own RpcError names the procedure and the side, and JSON.stringify gives name, code, message and data", async () => {
    const cluster = startCluster();
    const error = await rejection(cluster.workers[0].call('take'));
    expect(error.message).toBe("slow down ('take' on the primary)");
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RpcError',
      code: 'SLOW_DOWN',
      message: "slow down ('take' on the primary)",
      data: { retryAfterMs: 500 },
    });
    // No data: none written.
    expect(JSON.stringify(new RpcError('X', 'y'))).toBe('{"name":"RpcError","code":"X","message":"y"}');
  });

  it("a timeout's stack shows the async function that awaited the call, not cluster-rpc's timer", async () => {
    const cluster = startCluster();
    async function askAndWait(): Promise<unknown> {
      const answer = await cluster.workers[0].call('hang', undefined, { timeout: 50 });
      return answer;
    }
    const error = await rejection(askAndWait());
    expect(error.code).toBe('TIMEOUT');
    expect(error.stack).toMatch(
      /^RpcError: No answer within 50 ms \('hang' on the primary\)\n {4}at (async )?askAndWait \(.*errors\.test\.ts/,
    );
    expect(error.stack).not.toMatch(/deadlines|pending-calls|node:internal/);
  });

  it("callAll's and a stream's errors show the line that called them", async () => {
    const cluster = startCluster();
    function gatherFromEveryWorker() {
      return cluster.primary.callAll('take');
    }
    const [entry] = await gatherFromEveryWorker();
    expect(entry?.status === 'rejected' && entry.error.stack).toMatch(/\n {4}at gatherFromEveryWorker \(.*errors\.test\.ts/);

    function openTheStream() {
      return cluster.primary.stream(1, 'broken');
    }
    const stream = openTheStream();
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    const error = await rejection(stream.next());
    expect(error.message).toBe("it broke ('broken' on worker 1)");
    expect(error.stack).toMatch(/\n {4}at openTheStream \(.*errors\.test\.ts/);
  });
});
