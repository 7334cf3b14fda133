/**
 * The stream cell's contenders on both sides (bench/README.md): a worker sends `count` items to the primary. `raw` has no flow
 * control: a slow primary would queue items without bound. Each side is attached only for its own phase.
 */
import type { Worker } from 'node:cluster';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure } from '../../../src/index.js';
import type { SchemaInput } from '../../../src/types.js';
import { type Payload, type PayloadKind, payloadOf, recordsSchema, tinySchema } from '../payloads.js';

export const STREAM_PAYLOADS = ['tiny', '4kb'] as const;
export type StreamPayload = (typeof STREAM_PAYLOADS)[number];

export type StreamContender = 'raw' | 'cluster-rpc';

/** Marks the raw contender's items, so the primary's listener tells them from other messages. */
const RAW_MARKER = '$benchItem';

const StreamInput = z.object({ count: z.number().int().nonnegative() });

/** Items the worker's generators have made since the side was opened (read by the paced case). */
let produced = 0;

/** A stream procedure yielding `input.count` copies of `kind`'s payload, each checked by `schema` as it leaves. */
function itemStream<T extends typeof tinySchema | typeof recordsSchema>(schema: T, kind: PayloadKind) {
  return procedure
    .input(StreamInput)
    .output(schema)
    .stream(async function* ({ input }) {
      const item = payloadOf(kind) as SchemaInput<T>;
      for (let index = 0; index < input.count; index++) {
        produced++;
        yield item;
      }
    });
}

/** cluster-rpc's routers: the worker serves the streams, the primary nothing. */
function streamRouter() {
  return defineRouter({ items: { tiny: itemStream(tinySchema, 'tiny'), records: itemStream(recordsSchema, '4kb') } });
}

function openRpc() {
  return createClusterRpc({ worker: streamRouter() });
}

type StreamRpc = ReturnType<typeof openRpc>;

/** The worker's side of the open contender. */
let workerSide: { readonly contender: StreamContender; readonly rpc?: StreamRpc } | undefined;

/** Worker: attaches `contender` for a phase. */
export function openStreamWorker(contender: StreamContender): void {
  if (workerSide) throw new Error(`stream contender ${workerSide.contender} is still open`);
  produced = 0;
  workerSide = contender === 'cluster-rpc' ? { contender, rpc: openRpc() } : { contender };
}

/** Worker: detaches the contender; tells what is left pending and how many items were made. */
export async function closeStreamWorker(): Promise<{ readonly pending: number; readonly produced: number }> {
  const side = workerSide;
  workerSide = undefined;
  const pending = side?.rpc?.pendingCount() ?? 0;
  await side?.rpc?.close();
  return { pending, produced };
}

/** Worker: items made so far by the open contender's generators. */
export function producedSoFar(): number {
  return produced;
}

/** Worker, raw contender: sends `count` items, one message each, honouring backpressure. */
export async function sendRawItems(payload: StreamPayload, count: number): Promise<null> {
  const send = process.send?.bind(process);
  if (!send) throw new Error('not a cluster worker');
  const item: Payload = payloadOf(payload);
  // One shared write callback, no allocation per item: the floor stays a floor.
  let unwritten = 0;
  let drained: (() => void) | undefined;
  const written = (): void => {
    unwritten--;
    if (unwritten === 0 && drained) {
      const wake = drained;
      drained = undefined;
      wake();
    }
  };
  for (let index = 0; index < count; index++) {
    unwritten++;
    produced++;
    // Node queues what it cannot write yet, without bound; a careful sender waits for the queue to drain.
    if (!send({ [RAW_MARKER]: index, item }, undefined, {}, written) && unwritten > 0) {
      await new Promise<void>((resolve) => {
        drained = resolve;
      });
    }
  }
  return null;
}

/** How the primary reads one phase: `count` items of `payload`, then resolves with the milliseconds it took. */
export interface StreamReader {
  read(payload: StreamPayload, count: number, start: () => Promise<unknown>): Promise<number>;
  /** Reads slowly, waiting `paceMs` after each item, for `forMs`; `onItem` hears the count so far; resolves with the items read. */
  readPaced(payload: StreamPayload, paceMs: number, forMs: number, onItem: (count: number) => void): Promise<number>;
  pendingCount(): number;
  close(): Promise<void>;
}

/** Primary: attaches `contender` for a phase, reading from `worker`. */
export function openStreamReader(contender: StreamContender, worker: Worker, highWaterMark?: number): StreamReader {
  if (contender === 'raw') return rawReader(worker);
  const rpc = openRpc();
  const path = (payload: StreamPayload) => (payload === 'tiny' ? 'items.tiny' : 'items.records');
  return {
    async read(payload, count) {
      const started = performance.now();
      let seen = 0;
      for await (const _item of rpc.primary.stream(worker, path(payload), { count }, { highWaterMark })) seen++;
      if (seen !== count) throw new Error(`cluster-rpc stream: ${seen} of ${count} items`);
      return performance.now() - started;
    },
    async readPaced(payload, paceMs, forMs, onItem) {
      const started = performance.now();
      let seen = 0;
      for await (const _item of rpc.primary.stream(
        worker,
        path(payload),
        { count: Number.MAX_SAFE_INTEGER },
        { highWaterMark },
      )) {
        seen++;
        onItem(seen);
        if (performance.now() - started >= forMs) break;
        await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
      return seen;
    },
    pendingCount: () => rpc.pendingCount(),
    close: () => rpc.close(),
  };
}

function rawReader(worker: Worker): StreamReader {
  return {
    read(_payload, count, start) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const started = performance.now();
        const listen = (message: unknown): void => {
          if (typeof message !== 'object' || message === null || !(RAW_MARKER in message)) return;
          seen++;
          if (seen < count) return;
          worker.off('message', listen);
          resolve(performance.now() - started);
        };
        worker.on('message', listen);
        start().catch((error: unknown) => {
          worker.off('message', listen);
          reject(error);
        });
      });
    },
    readPaced() {
      return Promise.reject(new Error('the raw contender has no flow control to pace'));
    },
    pendingCount: () => 0,
    close: async () => undefined,
  };
}
