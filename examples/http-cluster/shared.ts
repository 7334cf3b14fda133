/**
 * What both sides load: the settings schema, the routers, the events, and
 * the rpc object. Handlers of `primaryRouter` run in the primary only, and
 * those of `workerRouter` in the workers only, so each side's state below is
 * touched by that side alone. Every process counts its calls and events
 * (`metrics`) and keeps a prom-client registry of its HTTP requests, which
 * the primary gathers for `/metrics` and the status line. With `TRACING=1`,
 * every process traces its calls, streams and events (tracing.ts).
 */
import cluster from 'node:cluster';
import { Counter, Registry } from 'prom-client';
import { z } from 'zod';
import {
  type CallAllResult,
  createClusterRpc,
  defineEvents,
  defineRouter,
  procedure,
  type RouterOutput,
} from '../../src/index.js';
import { promClientMetrics } from '../../src/prom-client.js';
import { startTracing } from './tracing.js';

export const settingsSchema = z.object({
  /** Put in every answer of `GET /`. */
  greeting: z.string().min(1).max(100),
  /** Requests per second across the whole cluster; 0 for no limit. */
  rateLimitPerSecond: z.number().int().nonnegative(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const events = defineEvents({
  /** The primary broadcasts the new settings to every worker. */
  settingsChanged: settingsSchema,
});

// ---- State held by the primary ----------------------------------------------------------

const primaryState = {
  hits: 0,
  settings: { greeting: 'hello', rateLimitPerSecond: 0 } as Settings,
  /** A one-second window: the rate limit counts the requests allowed in it. */
  window: { startedAt: 0, allowed: 0 },
};

/** Counts a request against the global rate limit; `true` if it may be served. */
function admit(now: number): boolean {
  const { window, settings } = primaryState;
  if (now - window.startedAt >= 1000) {
    window.startedAt = now;
    window.allowed = 0;
  }
  if (settings.rateLimitPerSecond > 0 && window.allowed >= settings.rateLimitPerSecond) return false;
  window.allowed++;
  return true;
}

// ---- State held by each worker ---------------------------------------------------------

export const workerState = {
  startedAt: Date.now(),
  /** The primary's settings as last broadcast. */
  settings: { ...primaryState.settings },
  requests: 0,
};

/** This process's own metrics, as an application keeps them with prom-client. */
const registry = new Registry();
export const httpRequests = new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by route and status.',
  labelNames: ['route', 'status'],
  registers: [registry],
});

/** One worker's figures, as `GET /stats` shows them. */
export interface WorkerStats {
  readonly workerId: number;
  readonly pid: number;
  readonly uptimeS: number;
  readonly requests: number;
  readonly rssMiB: number;
  readonly greeting: string;
}

// ---- Routers ----------------------------------------------------------------------------

export const workerRouter = defineRouter({
  stats: procedure.handler(
    (): WorkerStats => ({
      workerId: cluster.worker?.id ?? 0,
      pid: process.pid,
      uptimeS: Math.round((Date.now() - workerState.startedAt) / 1000),
      requests: workerState.requests,
      rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
      greeting: workerState.settings.greeting,
    }),
  ),
});

export type WorkerStatsEntry = CallAllResult<RouterOutput<typeof workerRouter, 'stats'>>;

export const primaryRouter = defineRouter({
  hits: {
    /** Called by a worker for every request: the global counter and rate limit. */
    record: procedure.handler(() => {
      const allowed = admit(Date.now());
      if (allowed) primaryState.hits++;
      return { allowed, total: primaryState.hits };
    }),
  },
  cluster: {
    /** Gathers every worker's stats: how a worker sees all the others. */
    stats: procedure.handler(
      // The return type is spelled out: it comes from `rpc`, whose own type depends on this router.
      (): Promise<WorkerStatsEntry[]> => rpc.primary.callAll('stats', undefined, { timeout: 2000 }),
    ),
    /** Every process's metrics in Prometheus text: cluster-rpc's own and each registry's. */
    metrics: procedure.handler((): Promise<string> => rpc.primary.metrics({ format: 'prometheus', timeout: 1000 })),
  },
  settings: {
    get: procedure.handler((): Settings => primaryState.settings),
    /** Changes settings and broadcasts them to every worker. */
    set: procedure
      .input(settingsSchema.partial())
      .handler(async ({ input }): Promise<{ settings: Settings; delivered: number }> => {
        primaryState.settings = { ...primaryState.settings, ...input };
        const delivered = await rpc.primary.broadcast('settingsChanged', primaryState.settings);
        return { settings: primaryState.settings, delivered };
      }),
  },
});

export const rpc = createClusterRpc({
  primary: primaryRouter,
  worker: workerRouter,
  events,
  timeout: 5000,
  metrics: { sources: [promClientMetrics(registry)] },
  tracing: process.env.TRACING ? await startTracing() : undefined,
});
