/**
 * Middleware semantics over the in-process test cluster (the same serve
 * path as real processes): order, context extension, refusal with an
 * RpcError, what `next()` resolves with and throws, and the plain `ctx`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure, RpcError } from '../../src/index.js';
import { createTestCluster } from '../../src/testing.js';

const clusters: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

/** A test cluster serving `primary`, with one worker to call it from. */
function serve<TRouter extends ReturnType<typeof defineRouter>>(primary: TRouter) {
  const cluster = createTestCluster({ primary, workers: 1 });
  clusters.push(cluster);
  return cluster.workers[0];
}

describe('middleware', () => {
  it('runs in the order given, after input validation, around the handler', async () => {
    const seen: string[] = [];
    const first = procedure.use(async ({ next }) => {
      seen.push('first:before');
      const result = await next();
      seen.push('first:after');
      return result;
    });
    const second = first.use(async ({ input, next }) => {
      seen.push(`second:before:${JSON.stringify(input)}`);
      const result = await next();
      seen.push('second:after');
      return result;
    });
    const router = defineRouter({
      double: second.input(z.object({ n: z.number() })).handler(({ input }) => {
        seen.push('handler');
        return input.n * 2;
      }),
    });
    const worker = serve(router);
    expect(await worker.call('double', { n: 21 })).toBe(42);
    expect(seen).toEqual(['first:before', 'second:before:{"n":21}', 'handler', 'second:after', 'first:after']);

    seen.length = 0;
    // @ts-expect-error a string is not the input
    await expect(worker.call('double', { n: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(seen).toEqual([]); // input failures never reach a middleware
  });

  it('next({ ctx }) adds to the context of the middlewares after it and the handler, not before', async () => {
    const earlier: Array<unknown> = [];
    const router = defineRouter({
      whoami: procedure
        .use(async ({ ctx, next }) => {
          const result = await next({ ctx: { tenant: 'acme' } });
          earlier.push((ctx as { tenant?: string }).tenant);
          return result;
        })
        .use(({ ctx, next }) => next({ ctx: { user: `${ctx.tenant}/ada`, tenant: 'acme-eu' } }))
        .handler(({ ctx }) => ({ tenant: ctx.tenant, user: ctx.user, path: ctx.path, caller: ctx.caller.side })),
    });
    const worker = serve(router);
    expect(await worker.call('whoami')).toEqual({ tenant: 'acme-eu', user: 'acme/ada', path: 'whoami', caller: 'worker' });
    expect(earlier).toEqual([undefined]);
  });

  it('an RpcError thrown by a middleware refuses the call with it, and the handler never runs', async () => {
    let ran = false;
    const router = defineRouter({
      secret: procedure
        .use(() => {
          throw new RpcError('FORBIDDEN', 'Not for you', { data: { need: 'admin' } });
        })
        .handler(() => {
          ran = true;
          return 'secret';
        }),
      failing: procedure
        .use(() => {
          throw new Error('middleware bug');
        })
        .handler(() => 'never'),
    });
    const worker = serve(router);
    const error = await worker.call('secret').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', message: "Not for you ('secret' on the primary)", data: { need: 'admin' } });
    expect(ran).toBe(false);
    await expect(worker.call('failing')).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringContaining('middleware bug'),
    });
  });

  it('next() resolves with the result after the output schema and rejects with what the rest threw', async () => {
    const outcomes: unknown[] = [];
    const observed = procedure.use(async ({ next }) => {
      try {
        const result = await next();
        outcomes.push({ result });
        return result;
      } catch (error) {
        outcomes.push({ error: (error as RpcError).code });
        throw error;
      }
    });
    const router = defineRouter({
      parsed: observed.output(z.string().transform((text) => text.length)).handler(() => 'four'),
      invalid: observed.output(z.number()).handler(() => 'not a number' as unknown as number),
      thrown: observed.handler(() => {
        throw new RpcError('CONFLICT', 'Taken');
      }),
    });
    const worker = serve(router);
    expect(await worker.call('parsed')).toBe(4);
    await expect(worker.call('invalid')).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
    await expect(worker.call('thrown')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(outcomes).toEqual([{ result: 4 }, { error: 'OUTPUT_INVALID' }, { error: 'CONFLICT' }]);
  });

  it('a middleware may answer on its own, recover from a failure, or run the rest again', async () => {
    let attempts = 0;
    const router = defineRouter({
      cached: procedure.use(() => Promise.resolve('from cache' as never)).handler(() => 'from handler'),
      recovered: procedure
        .use(async ({ next }) => {
          try {
            return await next();
          } catch {
            return 'fallback' as never;
          }
        })
        .handler((): string => {
          throw new Error('down');
        }),
      retried: procedure
        .use(async ({ next }) => {
          try {
            return await next();
          } catch {
            return next();
          }
        })
        .handler(() => {
          attempts++;
          if (attempts === 1) throw new Error('flaky');
          return attempts;
        }),
    });
    const worker = serve(router);
    expect(await worker.call('cached')).toBe('from cache');
    expect(await worker.call('recovered')).toBe('fallback');
    expect(await worker.call('retried')).toBe(2);
  });

  it('a shared builder with middleware serves several procedures, each with its own path', async () => {
    const paths: string[] = [];
    const timed = procedure.use(({ path, next }) => {
      paths.push(path);
      return next();
    });
    const router = defineRouter({ a: timed.handler(() => 'a'), b: { c: timed.handler(() => 'c') } });
    const worker = serve(router);
    expect([await worker.call('a'), await worker.call('b.c')]).toEqual(['a', 'c']);
    expect(paths).toEqual(['a', 'b.c']);
  });

  it('next() with a ctx that is not an object fails the call with INTERNAL_ERROR', async () => {
    const router = defineRouter({
      bad: procedure.use(({ next }) => next({ ctx: 42 as unknown as object })).handler(() => 'never'),
    });
    const worker = serve(router);
    await expect(worker.call('bad')).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringContaining('next({ ctx })'),
    });
  });
});

describe('a handler ctx is a plain object', () => {
  it('spreads with its signal and the side it is served on, with or without middleware', async () => {
    const copies: Array<Record<PropertyKey, unknown>> = [];
    const keep = ({ ctx }: { ctx: object }) => {
      const copy = { ...ctx, extra: true };
      copies.push(copy);
      return { proto: Object.getPrototypeOf(ctx) === Object.prototype, keys: Object.keys(copy).sort() };
    };
    const router = defineRouter({
      plain: procedure.handler(keep),
      wrapped: procedure.use(({ next }) => next({ ctx: { tenant: 'acme' } })).handler(keep),
    });
    const worker = serve(router);
    const keys = ['caller', 'deadline', 'extra', 'headers', 'path', 'requestId', 'signal'];
    expect(await worker.call('plain')).toEqual({ proto: true, keys });
    expect(await worker.call('wrapped')).toEqual({ proto: true, keys: [...keys, 'tenant'].sort() });
    for (const copy of copies) expect(copy.signal).toBeInstanceOf(AbortSignal);
  });

  it('a spread copy still works as { parent } and with rpc.for', async () => {
    const primaryRouter = defineRouter({ ping: procedure.handler(({ ctx }) => `pong, ${ctx.deadline - Date.now() <= 5000}`) });
    const workerRouter = defineRouter({
      relay: procedure
        .use(({ next }) => next({ ctx: { tenant: 'acme' } }))
        .handler(({ ctx }): Promise<string> => {
          const copy = { ...ctx, extra: 1 };
          return rpc.for(copy).worker.call('ping', undefined, { parent: copy, timeout: 60_000 });
        }),
    });
    const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });
    try {
      const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, workers: 1 });
      clusters.push(cluster);
      // The nested call took the parent's deadline (5 s), not its own minute.
      expect(await cluster.primary.call(1, 'relay', undefined, { timeout: 5000 })).toBe('pong, true');
    } finally {
      await rpc.close();
    }
  });
});
