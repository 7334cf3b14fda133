// biome-ignore-all format: the sample is copied verbatim from the public contract (API-2.md)
// biome-ignore-all lint/suspicious/noExportsInTest: the verbatim sample exports what it defines
// biome-ignore-all lint/correctness/noUnusedVariables: the verbatim sample names values it does not use
/**
 * The sample of the section "Streams" of API-2.md, verbatim, type-checked:
 * the names it uses (`tail`, `rpc`, `worker`, `signal`, a `ticks` stream on
 * the primary) are defined around it. `api2-samples.test.ts` checks it.
 */
import { expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure } from '../../src/index.js';

async function* tail(since: number, signal: AbortSignal): AsyncGenerator<string> {
  for (let line = since; !signal.aborted; line++) yield `line ${line}`;
}
const primaryRouter = defineRouter({
  ticks: procedure.stream(async function* () {
    yield Date.now();
  }),
});

// ---- section "Streams" ----
export const workerRouter = defineRouter({
  logs: procedure
    .input(z.object({ since: z.number() }))
    .output(z.object({ line: z.string() }))   // checks every item
    .stream(async function* ({ input, ctx }) {
      for await (const line of tail(input.since, ctx.signal)) yield { line };
    }),
});

const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter });
const worker = 1;
const signal = AbortSignal.timeout(1000);

export async function streamsSample(): Promise<void> {
for await (const { line } of rpc.primary.stream(worker, 'logs', { since: 0 }, { signal })) console.log(line);
for await (const tick of rpc.worker.stream('ticks', undefined)) { /* … */ }
}

test('Streams: items are typed by the output schema, or by what the generator yields', () => {
  expectTypeOf(rpc.primary.stream(worker, 'logs', { since: 0 })).toMatchTypeOf<AsyncIterable<{ line: string }>>();
  expectTypeOf(rpc.worker.stream('ticks', undefined)).toMatchTypeOf<AsyncIterable<number>>();
});
