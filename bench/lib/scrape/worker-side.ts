/**
 * The scrape cell's worker side: one registry of 200 series, answered both to prom-client's `AggregatorRegistry` (its listener)
 * and to cluster-rpc's gathers (`promClientMetrics`); and, on request, a count of the bytes this process sends to the primary.
 */
import { AggregatorRegistry } from 'prom-client';
import { createClusterRpc } from '../../../src/index.js';
import { promClientMetrics } from '../../../src/prom-client.js';
import { scrapeRegistry } from './series.js';

let rpc: { close(): Promise<void> } | undefined;
let counting: { readonly send: typeof process.send; bytes: number } | undefined;

/** Fills this worker's registry and answers both kinds of scrape. */
export function openScrapeWorker(seed: number): void {
  if (rpc) throw new Error('the scrape worker is open already');
  const registry = scrapeRegistry(seed);
  // prom-client's workers answer once an AggregatorRegistry exists in them (its constructor adds the listener).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registry);
  rpc = createClusterRpc({ metrics: { sources: [promClientMetrics(registry)] } });
}

/**
 * Counts the JSON bytes of what this process sends (the benchmark's own control messages left out) from now on, or stops; returns
 * the count since the last call.
 */
export function countScrapeBytes(on: boolean): { readonly bytes: number } {
  const bytes = counting?.bytes ?? 0;
  if (counting) counting.bytes = 0;
  if (on && !counting) {
    const send = process.send as NonNullable<typeof process.send>;
    const state = { send, bytes: 0 };
    counting = state;
    process.send = ((message: unknown, ...rest: unknown[]) => {
      if (!(typeof message === 'object' && message !== null && '$bench' in message)) {
        state.bytes += Buffer.byteLength(JSON.stringify(message));
      }
      return (send as (...args: unknown[]) => boolean).call(process, message, ...rest);
    }) as typeof process.send;
  } else if (!on && counting) {
    process.send = counting.send;
    counting = undefined;
  }
  return { bytes };
}

export async function closeScrapeWorker(): Promise<null> {
  countScrapeBytes(false);
  await rpc?.close();
  rpc = undefined;
  return null;
}
