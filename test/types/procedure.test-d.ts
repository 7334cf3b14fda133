import { describe, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { type PeerInfo, type Procedure, type ProcedureContext, procedure } from '../../src/index.js';
import type { HandlerArgs, Schema, SchemaInput, SchemaOutput } from '../../src/types.js';

/** A schema with different input and output types: the caller sends a string, the handler gets its length. */
const length = z.string().transform((text) => text.length);

/** A hand-written Standard Schema (no zod): accepts a string, produces it upper-cased. */
const upper: Schema<string, Uppercase<string>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'string' ? { value: value.toUpperCase() as Uppercase<string> } : { issues: [{ message: 'not a string' }] },
  },
};

describe('procedure: what the caller passes and receives', () => {
  test('a procedure without input is called with undefined and returns what the handler returns', () => {
    expectTypeOf(procedure.handler(() => new Date())).toEqualTypeOf<Procedure<undefined, Date>>();
  });

  test('an async handler is unwrapped: callers receive the awaited value', () => {
    expectTypeOf(procedure.handler(async () => ({ ok: true as const }))).toEqualTypeOf<Procedure<undefined, { ok: true }>>();
  });

  test('the caller passes z.input of the input schema, and without .output receives the handler result', () => {
    const p = procedure.input(z.object({ text: length, n: z.number().default(3) })).handler(({ input }) => input.text + input.n);
    expectTypeOf(p).toEqualTypeOf<Procedure<{ text: string; n?: number | undefined }, number>>();
  });

  test('with .output the caller receives z.output of the output schema, not what the handler returned', () => {
    const p = procedure
      .input(z.string())
      .output(length)
      .handler(({ input }) => input);
    expectTypeOf(p).toEqualTypeOf<Procedure<string, number>>();
  });

  test('an output schema with a default lets the handler return undefined and still gives callers the value', () => {
    const p = procedure.output(z.number().default(0)).handler(() => undefined);
    expectTypeOf(p).toEqualTypeOf<Procedure<undefined, number>>();
  });

  test('.output may come before .input', () => {
    const p = procedure
      .output(z.boolean())
      .input(z.number())
      .handler(({ input }) => input > 0);
    expectTypeOf(p).toEqualTypeOf<Procedure<number, boolean>>();
  });

  test('any Standard Schema works, not only zod', () => {
    const p = procedure.input(upper).handler(({ input }) => input);
    expectTypeOf(p).toEqualTypeOf<Procedure<string, Uppercase<string>>>();
    expectTypeOf<SchemaInput<typeof upper>>().toEqualTypeOf<string>();
    expectTypeOf<SchemaOutput<typeof upper>>().toEqualTypeOf<Uppercase<string>>();
    expectTypeOf<SchemaInput<typeof length>>().toEqualTypeOf<string>();
    expectTypeOf<SchemaOutput<typeof length>>().toEqualTypeOf<number>();
  });
});

describe('procedure: what the handler receives', () => {
  test('the handler receives z.output of the input schema (transforms and defaults applied)', () => {
    procedure.input(z.object({ text: length, n: z.number().default(3) })).handler(({ input }) => {
      expectTypeOf(input).toEqualTypeOf<{ text: number; n: number }>();
    });
  });

  test('a procedure without input hands the handler undefined', () => {
    procedure.handler(({ input }) => {
      expectTypeOf(input).toEqualTypeOf<undefined>();
    });
  });

  test('ctx holds requestId, caller, signal, deadline and path', () => {
    procedure.handler((args) => {
      expectTypeOf(args).toEqualTypeOf<HandlerArgs<undefined>>();
      expectTypeOf(args.ctx).toEqualTypeOf<ProcedureContext>();
      expectTypeOf(args.ctx.requestId).toEqualTypeOf<string>();
      expectTypeOf(args.ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(args.ctx.deadline).toEqualTypeOf<number>();
      expectTypeOf(args.ctx.path).toEqualTypeOf<string>();
      expectTypeOf(args.ctx.caller).toEqualTypeOf<PeerInfo>();
    });
  });

  test('ctx.caller narrows by side: only a worker caller has a workerId and pid', () => {
    procedure.handler(({ ctx }) => {
      if (ctx.caller.side === 'worker') {
        expectTypeOf(ctx.caller.workerId).toEqualTypeOf<number>();
        expectTypeOf(ctx.caller.pid).toEqualTypeOf<number>();
      } else {
        expectTypeOf(ctx.caller).toEqualTypeOf<{ readonly side: 'primary' }>();
        // @ts-expect-error the primary has no worker id
        void ctx.caller.workerId;
      }
    });
  });

  test('ctx is read-only', () => {
    procedure.handler(({ ctx }) => {
      // @ts-expect-error ctx fields cannot be reassigned
      ctx.requestId = 'x';
    });
  });
});

describe('procedure: misuse is a compile error', () => {
  test('.input() given twice', () => {
    // @ts-expect-error input() was already given: a procedure takes one input schema
    procedure.input(z.string()).input(z.number());
  });

  test('.output() given twice', () => {
    // @ts-expect-error output() was already given: a procedure takes one output schema
    procedure.output(z.string()).output(z.number());
  });

  test('a handler returning something the output schema does not accept', () => {
    // @ts-expect-error string is not the output schema's input (number)
    procedure.output(z.number()).handler(() => 'one');
    // @ts-expect-error a promise of the wrong type is wrong too
    procedure.output(z.number()).handler(async () => 'one');
  });

  test('a handler reading a field its input does not have', () => {
    // @ts-expect-error the input schema has no `nope`
    procedure.input(z.object({ a: z.string() })).handler(({ input }) => input.nope);
  });

  test('something that is not a schema given as a schema', () => {
    // @ts-expect-error a plain object is not a schema
    procedure.input({ type: 'string' });
    // @ts-expect-error neither is a string
    procedure.output('number');
  });

  test('a handler that is not a function', () => {
    // @ts-expect-error handler needs a function
    procedure.handler(42);
  });
});
