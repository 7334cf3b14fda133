import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { type MiddlewareArgs, type Procedure, type ProcedureContext, procedure, RpcError } from '../../src/index.js';
import type { MiddlewareResult } from '../../src/types.js';

describe('middleware: the context it adds', () => {
  test('next({ ctx }) types the handler ctx, through several middlewares', () => {
    const tenant = procedure.use(({ next }) => next({ ctx: { tenant: 'acme' } }));
    const user = tenant.use(({ ctx, next }) => {
      expectTypeOf(ctx.tenant).toEqualTypeOf<string>();
      return next({ ctx: { user: { id: 7, tenant: ctx.tenant } } });
    });
    user.handler(({ ctx }) => {
      expectTypeOf(ctx.tenant).toEqualTypeOf<string>();
      expectTypeOf(ctx.user).toEqualTypeOf<{ id: number; tenant: string }>();
      expectTypeOf(ctx.requestId).toEqualTypeOf<string>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx).toExtend<ProcedureContext>();
    });
  });

  test('the contract sample: a timing middleware, then one that adds the tenant', () => {
    const timed = procedure.use(async ({ path, next }) => {
      const started = performance.now();
      try {
        return await next();
      } finally {
        void [path, performance.now() - started];
      }
    });
    const tenant = timed.use(({ next }) => next({ ctx: { tenant: 'acme' } }));
    expectTypeOf(tenant.handler(({ ctx }) => ctx.tenant)).toEqualTypeOf<Procedure<undefined, string>>();
  });

  test('a key added again takes the later type', () => {
    procedure
      .use(({ next }) => next({ ctx: { level: 'low' as const } }))
      .use(({ next }) => next({ ctx: { level: 3 } }))
      .handler(({ ctx }) => {
        expectTypeOf(ctx.level).toEqualTypeOf<number>();
      });
  });

  test('a middleware without additions leaves ctx as it was', () => {
    procedure
      .use(({ next }) => next())
      .handler(({ ctx }) => {
        expectTypeOf(ctx).toEqualTypeOf<ProcedureContext>();
      });
  });

  test('.input and .output chain after .use, and the procedure type is unchanged by middleware', () => {
    const p = procedure
      .use(({ next }) => next({ ctx: { scale: 2 } }))
      .input(z.object({ n: z.number() }))
      .output(z.number())
      .handler(({ input, ctx }) => input.n * ctx.scale);
    expectTypeOf(p).toEqualTypeOf<Procedure<{ n: number }, number>>();
  });

  test('a middleware sees the parsed input when .input came first, unknown otherwise', () => {
    procedure.input(z.object({ n: z.string().transform(Number) })).use(({ input, next }) => {
      expectTypeOf(input).toEqualTypeOf<{ n: number }>();
      return next();
    });
    procedure.use(({ input, next }) => {
      expectTypeOf(input).toEqualTypeOf<unknown>();
      return next();
    });
  });

  test('what next() resolves with is opaque, and a middleware may be written as a named function', () => {
    async function audit({ path, ctx, next }: MiddlewareArgs<ProcedureContext, unknown>) {
      const result = await next({ ctx: { audited: true } });
      expectTypeOf(result).toEqualTypeOf<MiddlewareResult<{ audited: boolean }>>();
      void [path, ctx];
      return result;
    }
    procedure.use(audit).handler(({ ctx }) => {
      expectTypeOf(ctx.audited).toEqualTypeOf<boolean>();
    });
  });

  test('a middleware that throws an RpcError still compiles as one that continues', () => {
    procedure
      .use(({ ctx, next }) => {
        if (ctx.caller.side !== 'worker') throw new RpcError('FORBIDDEN', 'workers only');
        return next({ ctx: { workerId: ctx.caller.workerId } });
      })
      .handler(({ ctx }) => {
        expectTypeOf(ctx.workerId).toEqualTypeOf<number>();
      });
  });
});

describe('middleware: misuse is a compile error', () => {
  test('reading a key that no middleware added', () => {
    procedure
      .use(({ next }) => next({ ctx: { tenant: 'acme' } }))
      .handler(({ ctx }) => {
        // @ts-expect-error no middleware added `user`
        void ctx.user;
      });
    procedure.handler(({ ctx }) => {
      // @ts-expect-error without middleware, ctx has no `tenant`
      void ctx.tenant;
    });
  });

  test('a key added by a later middleware is not in an earlier one', () => {
    procedure
      .use(({ ctx, next }) => {
        // @ts-expect-error `tenant` is only added after this middleware
        void ctx.tenant;
        return next();
      })
      .use(({ next }) => next({ ctx: { tenant: 'acme' } }));
  });

  test('a middleware that does not return what next() resolved with', () => {
    // @ts-expect-error it must return next()'s outcome (or another MiddlewareResult)
    procedure.use(async ({ next }) => {
      await next();
    });
    // @ts-expect-error a plain value is not a middleware's result
    procedure.use(() => 42);
  });

  test('next({ ctx }) with something that is not an object', () => {
    // @ts-expect-error ctx must be an object
    procedure.use(({ next }) => next({ ctx: 'tenant' }));
  });

  test('a middleware that is not a function', () => {
    // @ts-expect-error use needs a function
    procedure.use({ before: () => undefined });
  });
});
