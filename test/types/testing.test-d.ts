/**
 * The types of `cluster-rpc/testing` and of what handlers use to reach the
 * other side: the members of a test cluster are typed like a real primary and
 * worker, and `rpc.for(ctx)` is typed from the rpc object.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import type { NoEvents } from '../../src/define/inference.js';
import { createClusterRpc, defineRouter, procedure, type WorkerInfo, type WorkerRpc } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';
import type { ClusterRpcSide } from '../../src/types.js';

const primaryRouter = defineRouter({
  increment: procedure
    .input(z.object({ by: z.number() }))
    .output(z.number())
    .handler(({ input }) => input.by),
});
const workerRouter = defineRouter({
  pid: procedure.handler(() => 1),
  relay: procedure.handler(async ({ ctx }): Promise<number> => rpc.for(ctx).worker.call('increment', { by: 1 }, { parent: ctx })),
});
const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });

describe('createTestCluster', () => {
  test('as many known workers as were asked for; the ones fork() adds may be missing', () => {
    const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, workers: 2 });
    type Worker = ReturnType<typeof cluster.fork>;
    expectTypeOf<Worker>().toEqualTypeOf<WorkerRpc<typeof primaryRouter, NoEvents>>();
    expectTypeOf(cluster.workers[0]).toEqualTypeOf<Worker>();
    expectTypeOf(cluster.workers[1]).toEqualTypeOf<Worker>();
    expectTypeOf(cluster.workers[2]).toEqualTypeOf<Worker | undefined>();
  });

  test('calls are checked as on a real rpc object', async () => {
    const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, workers: 1 });
    expectTypeOf(await cluster.workers[0].call('increment', { by: 1 })).toEqualTypeOf<number>();
    // @ts-expect-error: a wrong path
    void cluster.workers[0].call('decrement', { by: 1 });
    // @ts-expect-error: a wrong input
    void cluster.workers[0].call('increment', { by: '1' });
    // @ts-expect-error: the primary serves it, not the workers
    void cluster.primary.call(1, 'increment', { by: 1 });
    expectTypeOf(await cluster.primary.call(1, 'pid')).toEqualTypeOf<number>();
    expectTypeOf(cluster.primary.workers()).toEqualTypeOf<readonly WorkerInfo[]>();
  });

  test('a count that is not a literal gives an array', () => {
    const count: number = 3;
    const cluster = createTestCluster({ worker: workerRouter, workers: count });
    expectTypeOf(cluster.workers[0]).toEqualTypeOf<ReturnType<typeof cluster.fork> | undefined>();
  });
});

describe('rpc.for(ctx)', () => {
  test('is typed from the rpc object, and takes only a ctx', () => {
    expectTypeOf(rpc.for).returns.toEqualTypeOf<ClusterRpcSide<typeof primaryRouter, typeof workerRouter, NoEvents>>();
    // @ts-expect-error: not a handler's ctx
    rpc.for({});
  });
});
