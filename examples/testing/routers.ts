// The example of the README's section "Testing your routers" (test/testing/readme-example.test.ts keeps them equal).
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure } from '../../src/index.js';

let hits = 0;
export const primaryRouter = defineRouter({
  hit: procedure.input(z.object({ by: z.number().int().positive() })).handler(({ input }) => (hits += input.by)),
});
export const workerRouter = defineRouter({
  // Calls back to the primary for the call it serves, on whatever transport it runs.
  hitTwice: procedure.handler(async ({ ctx }): Promise<number> => {
    await rpc.for(ctx).worker.call('hit', { by: 1 }, { parent: ctx });
    return rpc.for(ctx).worker.call('hit', { by: 1 }, { parent: ctx });
  }),
});
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });
