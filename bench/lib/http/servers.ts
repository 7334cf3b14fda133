/**
 * The HTTP cell's servers (bench/README.md): the same HTTP server on each worker, answering `200` with `{"count":n}` after one
 * use of shared state, which differs by server, or `500` when that failed. Their primary sides are attached for their own phase.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { createBirpc } from 'birpc';
import { z } from 'zod';
import { baselineLibrary, type Library, OWN_LIBRARY } from '../contenders/library.js';
import { connectToHub, SocketHub } from '../socket-channel.js';

/** The servers of the HTTP cell, in the order a round starts with. */
export const HTTP_SERVERS = [
  'none',
  'raw',
  'birpc',
  'cluster-rpc',
  'redis',
  'socket',
  'cluster-rpc/socket',
  'cluster-rpc@base',
] as const;

export type HttpServerKind = (typeof HTTP_SERVERS)[number];

/** How long a closing server waits for the calls of its last requests to come back. */
const SETTLE_MS = 1000;

const KEY = 'hits';

/** The state the primary keeps for the calling servers. */
const counters = new Map<string, number>();

function increment(key: string, by: number): number {
  const value = (counters.get(key) ?? 0) + by;
  counters.set(key, value);
  return value;
}

const counterInput = z.object({ key: z.string().min(1), by: z.number().int().positive() });

/** cluster-rpc's router: loaded in both processes, served in the primary. */
function counterRouter({ defineRouter, procedure }: Library) {
  return defineRouter({
    counter: {
      incr: procedure
        .input(counterInput)
        .output(z.number().int())
        .handler(({ input }) => increment(input.key, input.by)),
    },
  });
}

/** This tree's cluster-rpc (over the socket transport for `cluster-rpc/socket`), or the `--baseline` build for `cluster-rpc@base`. */
function openRpc(kind: 'cluster-rpc' | 'cluster-rpc/socket' | 'cluster-rpc@base') {
  const library = kind === 'cluster-rpc@base' ? baselineLibrary() : OWN_LIBRARY;
  return library.createClusterRpc({
    primary: counterRouter(library),
    ...(kind === 'cluster-rpc/socket' || library.overSocket ? { transport: library.socketTransport() } : {}),
  });
}

interface CounterFunctions {
  incr(input: { key: string; by: number }): number;
}

/** The hand-written messages: `{ $h: 1, q: id, k: key, b: by }` and `{ $h: 1, s: id, r: value }`. */
interface RawHttpMessage {
  readonly $h: 1;
  readonly q?: number;
  readonly k?: string;
  readonly b?: number;
  readonly s?: number;
  readonly r?: number;
}

function isRawHttp(message: unknown): message is RawHttpMessage {
  return typeof message === 'object' && message !== null && (message as { $h?: unknown }).$h === 1;
}

/** The primary's answer to a raw request, or `undefined` for any other message. */
function rawAnswer(message: unknown): RawHttpMessage | undefined {
  if (!isRawHttp(message) || message.q === undefined) return undefined;
  return { $h: 1, s: message.q, r: increment(message.k ?? KEY, message.b ?? 1) };
}

/** A server's primary side, for one phase. */
export interface HttpBackend {
  /** Resolves once workers can attach (a socket listens); their servers open after it. */
  readonly ready?: Promise<void>;
  /** Calls still waiting on the primary's side: 0 after a clean phase. */
  pendingCount(): number;
  close(): Promise<void>;
}

const NOTHING: HttpBackend = { pendingCount: () => 0, close: async () => undefined };

/** Attaches `kind`'s primary side to `workers` (nothing for `none` and `redis`). */
export function openHttpBackend(kind: HttpServerKind, workers: readonly Worker[]): HttpBackend {
  switch (kind) {
    case 'none':
    case 'redis':
      return NOTHING;
    case 'raw': {
      const detach = workers.map((worker) => {
        const onMessage = (message: unknown): void => {
          const answer = rawAnswer(message);
          if (answer) worker.send(answer);
        };
        worker.on('message', onMessage);
        return () => worker.off('message', onMessage);
      });
      return {
        pendingCount: () => 0,
        async close() {
          for (const off of detach) off();
        },
      };
    }
    case 'birpc': {
      const functions: CounterFunctions = { incr: ({ key, by }) => increment(key, by) };
      const clients = workers.map((worker) =>
        createBirpc<Record<string, never>, CounterFunctions>(functions, {
          post: (data) => worker.send(data),
          on: (listener) => void worker.on('message', listener),
          off: (listener) => void worker.off('message', listener),
        }),
      );
      return {
        pendingCount: () => 0,
        async close() {
          for (const client of clients) client.$close();
        },
      };
    }
    case 'cluster-rpc':
    case 'cluster-rpc/socket':
    case 'cluster-rpc@base': {
      const rpc = openRpc(kind);
      return { pendingCount: () => rpc.pendingCount(), close: () => rpc.close() };
    }
    case 'socket': {
      const hub = new SocketHub();
      for (const worker of workers) {
        const send = hub.sender(worker.id);
        hub.on(worker.id, (message) => {
          const answer = rawAnswer(message);
          if (answer) send(answer);
        });
      }
      return { ready: hub.ready, pendingCount: () => 0, close: () => hub.close() };
    }
  }
}

/** The shared state as a worker's request handler sees it. */
interface Counter {
  increment(): Promise<number> | number;
  pendingCount(): number;
  close(): Promise<void>;
}

/** The hand-written round trip's worker side: requests go out through `send`, answers come to what `listen` is given. */
function rawCounter(
  send: (message: RawHttpMessage) => void,
  listen: (onMessage: (message: unknown) => void) => () => void,
): Counter {
  let nextId = 0;
  const pending = new Map<number, (value: number) => void>();
  const stop = listen((message) => {
    if (!isRawHttp(message) || message.s === undefined) return;
    const resolve = pending.get(message.s);
    if (!resolve) return;
    pending.delete(message.s);
    resolve(message.r ?? Number.NaN);
  });
  return {
    increment: () =>
      new Promise<number>((resolve) => {
        const id = ++nextId;
        pending.set(id, resolve);
        send({ $h: 1, q: id, k: KEY, b: 1 });
      }),
    pendingCount: () => pending.size,
    close: async () => stop(),
  };
}

async function openCounter(kind: HttpServerKind, redisPort: number | undefined): Promise<Counter> {
  switch (kind) {
    case 'none': {
      let local = 0;
      return { increment: () => ++local, pendingCount: () => 0, close: async () => undefined };
    }
    case 'raw':
      return rawCounter(
        (message) => process.send?.(message),
        (onMessage) => {
          process.on('message', onMessage);
          return () => process.off('message', onMessage);
        },
      );
    case 'birpc': {
      const primary = createBirpc<CounterFunctions, Record<string, never>>(
        {},
        {
          post: (data) => process.send?.(data),
          on: (listener) => void process.on('message', listener),
          off: (listener) => void process.off('message', listener),
        },
      );
      return {
        increment: () => primary.incr({ key: KEY, by: 1 }),
        pendingCount: () => 0,
        async close() {
          primary.$close();
        },
      };
    }
    case 'cluster-rpc':
    case 'cluster-rpc/socket':
    case 'cluster-rpc@base': {
      const rpc = openRpc(kind);
      return {
        increment: () => rpc.worker.call('counter.incr', { key: KEY, by: 1 }),
        pendingCount: () => rpc.pendingCount(),
        close: () => rpc.close(),
      };
    }
    case 'socket': {
      const line = await connectToHub(cluster.worker?.id ?? 0);
      return rawCounter(
        (message) => line.send(message),
        (onMessage) => {
          line.on(onMessage);
          return () => line.close();
        },
      );
    }
    case 'redis': {
      if (redisPort === undefined) throw new Error('the redis server needs the port of the Redis server');
      // Loaded only here, so no other cell's worker carries ioredis.
      const { Redis } = await import('ioredis');
      const client = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true });
      await client.connect();
      return {
        increment: () => client.incr(KEY),
        pendingCount: () => 0,
        async close() {
          await client.quit().catch(() => client.disconnect());
        },
      };
    }
  }
}

/** What a worker's server reports when it closes. */
export interface HttpServerReport {
  /** Requests answered with 500 because the call failed. */
  readonly failed: number;
  readonly firstError?: string;
  /** Calls still pending after the server closed: anything but 0 is a leak. */
  readonly pending: number;
}

let open:
  | { readonly server: http.Server; readonly counter: Counter; readonly failures: { count: number; first?: string } }
  | undefined;

/** Worker side: opens `kind`'s client, then its HTTP server on the shared `port`. */
export async function openHttpServer(kind: HttpServerKind, port: number, redisPort: number | undefined): Promise<void> {
  if (open) throw new Error('an HTTP server is still open');
  const counter = await openCounter(kind, redisPort);
  const failures: { count: number; first?: string } = { count: 0 };
  const answer = (response: http.ServerResponse, count: number): void => {
    const body = `{"count":${count}}`;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body);
  };
  const fail = (response: http.ServerResponse, error: unknown): void => {
    failures.count++;
    failures.first ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    response.writeHead(500, { 'content-length': 0 });
    response.end();
  };
  const server = http.createServer((_request, response) => {
    let result: Promise<number> | number;
    try {
      result = counter.increment();
    } catch (error) {
      return fail(response, error);
    }
    if (typeof result === 'number') return answer(response, result);
    result.then(
      (count) => answer(response, count),
      (error: unknown) => fail(response, error),
    );
  });
  try {
    // In a cluster worker, the primary holds the listening socket and hands connections to the workers.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await counter.close();
    throw error;
  }
  open = { server, counter, failures };
}

/** Worker side: closes the HTTP server (and its connections), then the client. */
export async function closeHttpServer(): Promise<HttpServerReport> {
  if (!open) return { failed: 0, pending: 0 };
  const { server, counter, failures } = open;
  open = undefined;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  // The last requests' calls may still be on their way back: over the socket they do not share the IPC channel with this control
  // message, so they can be answered after it arrived.
  const until = performance.now() + SETTLE_MS;
  while (counter.pendingCount() > 0 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  const pending = counter.pendingCount();
  await counter.close();
  return { failed: failures.count, ...(failures.first === undefined ? {} : { firstError: failures.first }), pending };
}
