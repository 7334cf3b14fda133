import { describe, expectTypeOf, test } from 'vitest';
import type { RouterInput, RouterOutput, RouterPath } from '../../src/index.js';
import { type BigPath, type bigRouter, rpc } from './fixtures/big-router.js';

type BigRouter = typeof bigRouter;

describe('a router of 200 procedures keeps exact types', () => {
  test('paths are exact, from the first group to the last', () => {
    expectTypeOf<'g0.p0' | 'g19.p9'>().toExtend<BigPath>();
    expectTypeOf<BigPath>().toEqualTypeOf<RouterPath<BigRouter>>();
    // @ts-expect-error there is no group 20
    const beyond: BigPath = 'g20.p0';
    // @ts-expect-error a group is not a procedure
    const group: BigPath = 'g3';
    void [beyond, group];
  });

  test('inputs and outputs of each kind of procedure', async () => {
    expectTypeOf<RouterInput<BigRouter, 'g19.p0'>>().toEqualTypeOf<undefined>();
    expectTypeOf<RouterInput<BigRouter, 'g19.p1'>>().toEqualTypeOf<{ id: string; limit?: number | undefined }>();
    expectTypeOf<RouterOutput<BigRouter, 'g19.p2'>>().toEqualTypeOf<{ sum: number; count: number }>();
    expectTypeOf<RouterInput<BigRouter, 'g19.p7'>>().toEqualTypeOf<string>();
    expectTypeOf(await rpc.worker.call('g19.p7', 'a,b')).toEqualTypeOf<Set<string>>();
    // @ts-expect-error the input is the comma-separated string, not the array the handler sees
    rpc.worker.call('g19.p7', ['a', 'b']);
  });
});
