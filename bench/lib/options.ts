/** The command line of `npm run bench`. See bench/README.md. */
import { DEFAULT_FANOUTS } from './cells.js';
import { CONTENDERS, type ContenderName } from './contenders/types.js';
import { HTTP_SERVERS, type HttpServerKind } from './http/servers.js';

/** What a run does. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Cell ids must contain one of these (empty: every cell). */
  readonly only: readonly string[];
  /** The contenders asked for; without `--contenders`, every one (`raw+zod` then runs in fan-out cells only). */
  readonly contenders: readonly ContenderName[];
  /** True when `--contenders` chose them: every cell then runs exactly these. */
  readonly contendersGiven: boolean;
  /** The measured window of each phase, in ms. */
  readonly durationMs: number;
  /** The warm-up before each measured window, in ms. */
  readonly warmupMs: number;
  /** Warm-ups also wait for a number of operations (not with `--quick` or `--short-warmup`). */
  readonly countedWarmup: boolean;
  /** How many times each cell runs its contenders (in rotating order). */
  readonly rounds: number;
  /** Run only the HTTP cell. */
  readonly httpOnly: boolean;
  /** The HTTP cell's servers. */
  readonly httpServers: readonly HttpServerKind[];
  /** The HTTP cell's rounds (default 3; `--quick` 2; `--rounds` when given). */
  readonly httpRounds: number;
  /** The HTTP cell's measured wrk run, whole seconds. */
  readonly httpDurationS: number;
  /** The HTTP cell's wrk warm-up run, whole seconds (0: none). */
  readonly httpWarmupS: number;
  /** wrk's connections in the HTTP cell. */
  readonly httpConnections: number;
  /** Broadcast fan-out sizes; `callAll` uses the largest. */
  readonly fanouts: readonly number[];
  /** Run only the memory cell. */
  readonly memory: boolean;
  /** Run only the NATS cell. */
  readonly nats: boolean;
  /** Run only the scrape cell. */
  readonly scrape: boolean;
  /** The scrape cell's rounds of 20 scrapes each (default 7; `--rounds` when given). */
  readonly scrapeRounds: number;
  /** Calls of the memory cell. */
  readonly memoryCalls: number;
  /** Write CPU profiles of every process to this directory (`undefined`: no profiling). */
  readonly profileDir: string | undefined;
  /** Where results go. */
  readonly outDir: string | undefined;
  /** Another build of cluster-rpc, run as `cluster-rpc@base` (`undefined`: none). */
  readonly baselineDir: string | undefined;
  /** `cluster-rpc@base` runs over the baseline's `socketTransport()` instead of Node's channel. */
  readonly baselineSocket: boolean;
  readonly help: boolean;
}

/** Shown by `--help`. */
export const USAGE = `npm run bench -- [options]

  --quick              a small subset (tiny c=1, tiny c=64 both ways, 4 KB and 100 KB c=64, broadcast ×16,
                       the HTTP cell with 1 s runs), 2 rounds, short windows
  --only=<a,b,…>       only cells whose id contains one of these, e.g. --only=tiny/c64,bcast/16,http
                       (100 KB and 1 MB at c=256 run only when named, e.g. --only=c256)
  --contenders=<a,b>   raw, raw+zod (alias rawz), birpc, birpc+sj+zod (alias birpcz), cluster-rpc (alias crpc),
                       cluster-rpc+metrics (alias crpcm), cluster-rpc+otel (alias crpco: otelTracing() without an SDK),
                       cluster-rpc+otel-sdk (alias crpcos: with the SDK, spans dropped) — these three tiny c=64 only
                       by default —, raw/socket (alias raws), cluster-rpc/socket (alias crpcs), cluster-rpc@base
                       (alias base: the --baseline build, every cell when given); default all, raw+zod in fan-out
                       cells only
  --baseline=<dir>     another build of cluster-rpc to run as cluster-rpc@base beside this one: a folder holding
                       src/index.js, such as another checkout's node_modules/.cache/cluster-rpc-bench after
                       \`npx tsx bench/build.ts\` there
  --baseline-socket    cluster-rpc@base runs over the baseline build's socketTransport(), to compare with crpcs
  --duration=<ms>      measured window per phase (default 500; --quick 400)
  --warmup=<ms>        warm-up before each window (default 250; --quick 150)
  --short-warmup       warm up for --warmup only; by default a warm-up also waits for 3,000 calls (at most 2 s)
                       or 3,000 fan-outs (at most 6 s), so code is measured once V8 optimised it again
  --rounds=<n>         times each cell runs its contenders, rotating their order (default 3; --quick 2;
                       the HTTP cell too when given);
                       a cell stops adding rounds after 3 once it has run for 40 s
  --http               only the HTTP cell: 2 workers serve HTTP on one port, wrk loads them; each request uses
                       shared state once: none, raw IPC, birpc, cluster-rpc, redis, a hand-written socket round trip,
                       cluster-rpc over the socket (needs wrk; redis-server for redis)
  --servers=<a,b>      the HTTP cell's servers (default all but cluster-rpc@base, alias base, which runs with --baseline)
  --http-duration=<s>  the HTTP cell's measured wrk run per server, whole seconds (default 2; --quick 1)
  --http-warmup=<s>    its warm-up wrk run before each measured one (default 1; 0 for none)
  --connections=<n>    wrk's connections (default 32)
  --workers=<a,b,…>    broadcast fan-out sizes; callAll uses the largest (default ${DEFAULT_FANOUTS.join(',')})
  --memory             only the memory cell: RSS after 1,000,000 calls vs after 100,000, raw IPC then cluster-rpc
                       (with --contenders=raw or =birpc: the same for that contender, as a baseline)
  --memory-calls=<n>   calls of the memory cell (default 1000000)
  --nats               only the NATS cell: raw nc.request() with JSON vs cluster-rpc over natsTransport through a
                       local nats-server (needs nats-server): tiny c=1 and c=64, 4 KB and 100 KB c=64, broadcast ×8
  --scrape             only the scrape cell: one Prometheus scrape of 4 workers × 200 prom-client series,
                       cluster-rpc's promClientMetrics against prom-client's AggregatorRegistry; medians of 20
                       alternating scrapes per round, 7 rounds (--rounds)
  --profile[=<dir>]    write a --cpu-prof profile of the primary and every worker and summarise them
                       (default dir bench/results/profiles/<time>)
  --out=<dir>          results directory (default bench/results)
  --help`;

const CONTENDER_ALIASES: Readonly<Record<string, ContenderName>> = {
  crpc: 'cluster-rpc',
  crpcm: 'cluster-rpc+metrics',
  'crpc+metrics': 'cluster-rpc+metrics',
  crpco: 'cluster-rpc+otel',
  'crpc+otel': 'cluster-rpc+otel',
  crpcos: 'cluster-rpc+otel-sdk',
  'crpc+otel-sdk': 'cluster-rpc+otel-sdk',
  base: 'cluster-rpc@base',
  'crpc@base': 'cluster-rpc@base',
  rawz: 'raw+zod',
  'raw-zod': 'raw+zod',
  birpcz: 'birpc+sj+zod',
  'birpc-sj-zod': 'birpc+sj+zod',
  raws: 'raw/socket',
  crpcs: 'cluster-rpc/socket',
};

function positiveInteger(name: string, value: string | undefined): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`--${name} must be a positive integer, got ${String(value)}`);
  return number;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses `argv` (without node and the script). Throws with a readable message on a bad option. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const given = new Map<string, string | undefined>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unknown argument '${arg}'\n\n${USAGE}`);
    given.set(match[1], match[2]);
  }
  const known = [
    'quick',
    'only',
    'contenders',
    'duration',
    'warmup',
    'short-warmup',
    'rounds',
    'workers',
    'memory',
    'memory-calls',
    'nats',
    'scrape',
    'http',
    'servers',
    'http-duration',
    'http-warmup',
    'connections',
    'profile',
    'out',
    'baseline',
    'baseline-socket',
    'help',
  ];
  for (const name of given.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n\n${USAGE}`);

  const quick = given.has('quick');
  const contenders = given.has('contenders')
    ? list(given.get('contenders')).map((name) => {
        const resolved = CONTENDER_ALIASES[name] ?? name;
        if (!(CONTENDERS as readonly string[]).includes(resolved)) {
          throw new Error(
            `--contenders: unknown contender '${name}' (known: ${CONTENDERS.join(', ')}; aliases ${Object.keys(CONTENDER_ALIASES).join(', ')})`,
          );
        }
        return resolved as ContenderName;
      })
    : CONTENDERS.filter((name) => name !== 'cluster-rpc@base' || given.has('baseline'));
  if (given.has('baseline-socket') && !given.has('baseline')) throw new Error('--baseline-socket needs --baseline=<dir>');
  if (given.has('baseline') && !given.get('baseline')) throw new Error('--baseline needs a folder: --baseline=<dir>');
  if (contenders.includes('cluster-rpc@base') && !given.has('baseline'))
    throw new Error('--contenders: cluster-rpc@base runs the build given with --baseline=<dir>');
  const fanouts = given.has('workers')
    ? list(given.get('workers')).map((value) => positiveInteger('workers', value))
    : [...DEFAULT_FANOUTS];
  const profile = given.get('profile');
  const servers = given.has('servers')
    ? list(given.get('servers')).map((name) => {
        const resolved =
          name === 'crpc' ? 'cluster-rpc' : name === 'crpcs' ? 'cluster-rpc/socket' : name === 'base' ? 'cluster-rpc@base' : name;
        if (!(HTTP_SERVERS as readonly string[]).includes(resolved)) {
          throw new Error(`--servers: unknown server '${name}' (known: ${HTTP_SERVERS.join(', ')}, crpc, crpcs, base)`);
        }
        if (resolved === 'cluster-rpc@base' && !given.has('baseline'))
          throw new Error('--servers: cluster-rpc@base runs the build given with --baseline=<dir>');
        return resolved as HttpServerKind;
      })
    : HTTP_SERVERS.filter((name) => name !== 'cluster-rpc@base' || given.has('baseline'));
  const wholeSeconds = (name: string, fallback: number, zero: boolean): number => {
    if (!given.has(name)) return fallback;
    const value = given.get(name);
    return zero && value === '0' ? 0 : positiveInteger(name, value);
  };
  return {
    quick,
    only: list(given.get('only')),
    contenders: CONTENDERS.filter((name) => contenders.includes(name)),
    contendersGiven: given.has('contenders'),
    durationMs: given.has('duration') ? positiveInteger('duration', given.get('duration')) : quick ? 400 : 500,
    warmupMs: given.has('warmup') ? positiveInteger('warmup', given.get('warmup')) : quick ? 150 : 250,
    countedWarmup: !quick && !given.has('short-warmup'),
    rounds: given.has('rounds') ? positiveInteger('rounds', given.get('rounds')) : quick ? 2 : 3,
    httpOnly: given.has('http'),
    httpServers: HTTP_SERVERS.filter((name) => servers.includes(name)),
    httpRounds: given.has('rounds') ? positiveInteger('rounds', given.get('rounds')) : quick ? 2 : 3,
    scrapeRounds: given.has('rounds') ? positiveInteger('rounds', given.get('rounds')) : 7,
    httpDurationS: wholeSeconds('http-duration', quick ? 1 : 2, false),
    httpWarmupS: wholeSeconds('http-warmup', 1, true),
    httpConnections: wholeSeconds('connections', 32, false),
    fanouts,
    memory: given.has('memory'),
    nats: given.has('nats'),
    scrape: given.has('scrape'),
    memoryCalls: given.has('memory-calls') ? positiveInteger('memory-calls', given.get('memory-calls')) : 1_000_000,
    profileDir: given.has('profile') ? (profile ?? '') : undefined,
    outDir: given.get('out'),
    baselineDir: given.get('baseline'),
    baselineSocket: given.has('baseline-socket'),
    help: given.has('help'),
  };
}
