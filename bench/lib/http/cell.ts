/** The HTTP cell (bench/README.md): the servers of servers.ts in turn on two workers, rotating each round, loaded by wrk. */
import { freePort } from '../../../support/free-port.js';
import type { TargetOutcome } from '../cells.js';
import { CONTROL_TIMEOUT_MS, collectGarbage, processStats } from '../control.js';
import type { Fleet } from '../fleet.js';
import { errorText, formatRatio, median, rotated, spreadOf } from '../stats.js';
import { cpuMicrosOf, type RedisServer, redisVersion, startRedis } from './redis.js';
import { type HttpServerKind, openHttpBackend } from './servers.js';
import { type WrkResult, WrkRunner, wrkVersion } from './wrk.js';

/** The cell's id, for `--only`: `http/c32`. */
export function httpCellId(connections: number): string {
  return `http/c${connections}`;
}

const HTTP_WORKERS = 2;

export interface HttpSettings {
  readonly servers: readonly HttpServerKind[];
  readonly rounds: number;
  /** wrk's warm-up run before each measured one, whole seconds (0: none). */
  readonly warmupS: number;
  readonly durationS: number;
  /** Keep-alive connections wrk holds open (`-c`). */
  readonly connections: number;
  /** wrk's threads (`-t`). */
  readonly threads: number;
}

export interface HttpPhase {
  readonly server: HttpServerKind;
  readonly round: number;
  readonly wrk: WrkResult;
  /** CPU time per request of the primary, the workers and (for `redis`) the Redis server together, µs. wrk's own is not counted. */
  readonly cpuMicrosPerRequest: number;
  readonly cpuMicrosPerRequestBySide: { readonly primary: number; readonly workers: number; readonly redis: number };
  /** Requests the servers answered with 500 (their call failed). */
  readonly failed: number;
  readonly firstError?: string;
  /** Calls still pending after the servers closed, primary and workers together. */
  readonly pending: number;
}

/** One server's medians over the rounds. */
export interface HttpFigures {
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** Half the range of req/s over the rounds, relative to the median. */
  readonly spread: number;
  readonly cpuMicrosPerRequest: number;
  readonly cpuMicrosPerRequestBySide: { readonly primary: number; readonly workers: number; readonly redis: number };
  /** Per round, req/s over raw's req/s in the same round (rounds where both ran). */
  readonly roundRatios: readonly number[];
  /** wrk's socket errors and non-2xx answers, summed over the rounds. */
  readonly errors: number;
  readonly leaked: number;
}

export interface HttpRecord {
  readonly id: string;
  readonly label: string;
  readonly settings: HttpSettings;
  /** Set when the cell could not run at all (no wrk). */
  readonly skipped?: string;
  readonly tools: { readonly wrk?: string; readonly redis?: string };
  readonly phases: readonly HttpPhase[];
  readonly figures: Partial<Record<HttpServerKind, HttpFigures>>;
  readonly targets: readonly TargetOutcome[];
  readonly problems: readonly string[];
}

export type HttpObserver = (server: HttpServerKind, round: number) => void;

function labelOf(settings: HttpSettings): string {
  return `HTTP, ${HTTP_WORKERS} workers, wrk -t${settings.threads} -c${settings.connections}`;
}

/** CPU time so far of the primary, the workers and the Redis server, µs. */
async function usage(fleet: Fleet, redis: RedisServer | undefined) {
  const workers = await Promise.all(fleet.lines.map((line) => line.request({ op: 'stats', gc: false }, CONTROL_TIMEOUT_MS)));
  return {
    primary: processStats(false).cpuMicros,
    workers: workers.reduce((sum, stat) => sum + stat.cpuMicros, 0),
    redis: redis ? cpuMicrosOf(redis.pid) : 0,
  };
}

async function runPhase(
  fleet: Fleet,
  runner: WrkRunner,
  server: HttpServerKind,
  round: number,
  settings: HttpSettings,
  redis: RedisServer | undefined,
): Promise<HttpPhase> {
  const lines = fleet.lines;
  collectGarbage();
  await Promise.all(lines.map((line) => line.request({ op: 'stats', gc: true }, CONTROL_TIMEOUT_MS)));
  const port = await freePort();
  // The primary attaches first, so nothing a worker sends on opening is missed.
  const backend = openHttpBackend(server, fleet.workers);
  let measured: Omit<HttpPhase, 'failed' | 'firstError' | 'pending'> | undefined;
  let failure: unknown;
  try {
    await backend.ready;
    await Promise.all(
      lines.map((line) =>
        line.request(
          { op: 'http-open', server, port, ...(server === 'redis' && redis ? { redisPort: redis.port } : {}) },
          CONTROL_TIMEOUT_MS,
        ),
      ),
    );
    const load = { url: `http://127.0.0.1:${port}/`, connections: settings.connections, threads: settings.threads };
    if (settings.warmupS > 0) await runner.run({ ...load, seconds: settings.warmupS });
    const before = await usage(fleet, server === 'redis' ? redis : undefined);
    const wrk = await runner.run({ ...load, seconds: settings.durationS });
    const after = await usage(fleet, server === 'redis' ? redis : undefined);
    const requests = Math.max(1, wrk.requests);
    const bySide = {
      primary: (after.primary - before.primary) / requests,
      workers: (after.workers - before.workers) / requests,
      redis: (after.redis - before.redis) / requests,
    };
    measured = {
      server,
      round,
      wrk,
      cpuMicrosPerRequest: bySide.primary + bySide.workers + bySide.redis,
      cpuMicrosPerRequestBySide: bySide,
    };
  } catch (error) {
    failure = error;
  }
  const closed = await Promise.allSettled(lines.map((line) => line.request({ op: 'http-close' }, CONTROL_TIMEOUT_MS)));
  const pendingPrimary = backend.pendingCount();
  await backend.close();
  if (!measured) throw failure;
  let failed = 0;
  let pending = pendingPrimary;
  let firstError: string | undefined;
  for (const outcome of closed) {
    if (outcome.status === 'rejected') {
      firstError ??= String(outcome.reason);
      continue;
    }
    failed += outcome.value.failed;
    pending += outcome.value.pending;
    firstError ??= outcome.value.firstError;
  }
  return { ...measured, failed, pending, ...(firstError === undefined ? {} : { firstError }) };
}

function errorsOf(wrk: WrkResult): number {
  const { connect, read, write, status, timeout } = wrk.errors;
  return connect + read + write + status + timeout;
}

function figuresOf(phases: readonly HttpPhase[], rawPhases: readonly HttpPhase[]): HttpFigures {
  const rawByRound = new Map(rawPhases.map((phase) => [phase.round, phase.wrk.requestsPerSec]));
  return {
    requestsPerSec: median(phases.map((phase) => phase.wrk.requestsPerSec)),
    p50Ms: median(phases.map((phase) => phase.wrk.p50Ms)),
    p90Ms: median(phases.map((phase) => phase.wrk.p90Ms)),
    p99Ms: median(phases.map((phase) => phase.wrk.p99Ms)),
    spread: spreadOf(phases.map((phase) => phase.wrk.requestsPerSec)),
    cpuMicrosPerRequest: median(phases.map((phase) => phase.cpuMicrosPerRequest)),
    cpuMicrosPerRequestBySide: {
      primary: median(phases.map((phase) => phase.cpuMicrosPerRequestBySide.primary)),
      workers: median(phases.map((phase) => phase.cpuMicrosPerRequestBySide.workers)),
      redis: median(phases.map((phase) => phase.cpuMicrosPerRequestBySide.redis)),
    },
    roundRatios: phases.flatMap((phase) => {
      const raw = rawByRound.get(phase.round);
      return raw ? [phase.wrk.requestsPerSec / raw] : [];
    }),
    errors: phases.reduce((sum, phase) => sum + errorsOf(phase.wrk), 0),
    leaked: phases.reduce((sum, phase) => sum + phase.pending, 0),
  };
}

/** Issue 13's targets for the HTTP cell, and issue 25's (`socket: …`). */
function judgeHttp(figures: Partial<Record<HttpServerKind, HttpFigures>>): TargetOutcome[] {
  const targets: TargetOutcome[] = [];
  const check = (
    name: string,
    server: HttpServerKind,
    base: HttpServerKind,
    pass: (ratio: number) => boolean,
    key: 'requestsPerSec' | 'p99Ms' = 'requestsPerSec',
  ): void => {
    const [ours, other] = [figures[server], figures[base]];
    if (!ours || !other) return;
    const ratio = ours[key] / other[key];
    targets.push({ name, pass: pass(ratio), actual: formatRatio(ratio) });
  };
  check('req/s ≥ 1.0× raw', 'cluster-rpc', 'raw', (ratio) => ratio >= 1);
  check('p99 ≤ 1.1× raw', 'cluster-rpc', 'raw', (ratio) => ratio <= 1.1, 'p99Ms');
  check('> redis', 'cluster-rpc', 'redis', (ratio) => ratio > 1);
  check('socket: req/s ≥ 1.15× raw', 'cluster-rpc/socket', 'raw', (ratio) => ratio >= 1.15);
  check('socket: > redis', 'cluster-rpc/socket', 'redis', (ratio) => ratio > 1);
  return targets;
}

/** Runs the HTTP cell. Never throws for a missing tool: the record says what was skipped and why. */
export async function runHttpCell(fleet: Fleet, settings: HttpSettings, observer: HttpObserver): Promise<HttpRecord> {
  const id = httpCellId(settings.connections);
  const label = labelOf(settings);
  const wrk = wrkVersion();
  if (!wrk) {
    const skipped = 'wrk is not installed (Debian: apt-get install -y wrk), so the HTTP cell was skipped';
    return { id, label, settings, skipped, tools: {}, phases: [], figures: {}, targets: [], problems: [] };
  }
  const problems: string[] = [];
  let servers = [...settings.servers];
  let redis: RedisServer | undefined;
  const redisAt = servers.includes('redis') ? redisVersion() : undefined;
  if (servers.includes('redis')) {
    try {
      if (!redisAt)
        throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server): the redis server was skipped');
      redis = await startRedis(redisAt);
    } catch (error) {
      problems.push(redisAt ? `redis-server did not start (${errorText(error)}): skipped` : errorText(error));
      servers = servers.filter((server) => server !== 'redis');
    }
  }
  const phases: HttpPhase[] = [];
  const runner = new WrkRunner();
  try {
    await fleet.resize(HTTP_WORKERS);
    for (let round = 0; round < settings.rounds; round++) {
      for (const server of rotated(servers, round)) {
        observer(server, round);
        try {
          const phase = await runPhase(fleet, runner, server, round, settings, redis);
          phases.push(phase);
          const errors = errorsOf(phase.wrk);
          if (phase.failed > 0 || errors > 0) {
            problems.push(
              `${server} round ${round + 1}: ${phase.failed} request(s) answered 500, ${errors} wrk error(s)${phase.firstError ? `; first: ${phase.firstError}` : ''}`,
            );
          }
        } catch (error) {
          problems.push(`${server} round ${round + 1}: ${errorText(error)}`);
        }
      }
    }
  } finally {
    runner.dispose();
    await redis?.stop();
  }
  const rawPhases = phases.filter((phase) => phase.server === 'raw');
  const figures: Partial<Record<HttpServerKind, HttpFigures>> = {};
  for (const server of servers) {
    const own = phases.filter((phase) => phase.server === server);
    if (own.length === 0) continue;
    const figure = figuresOf(own, rawPhases);
    figures[server] = figure;
    if (figure.leaked > 0) problems.push(`${server}: ${figure.leaked} call(s) still pending after the servers closed`);
  }
  const tools = { wrk, ...(redisAt ? { redis: redisAt } : {}) };
  return { id, label, settings, tools, phases, figures, targets: judgeHttp(figures), problems };
}
