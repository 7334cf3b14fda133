/** The command line of `npm run bench`. See bench/README.md. */
import { DEFAULT_FANOUTS } from './cells.js';
import { CONTENDERS, type ContenderName } from './contenders/types.js';
import { HTTP_SERVERS, type HttpServerKind } from './http/servers.js';

/** What a run does (bench/README.md, "Options"); recorded in results.json as it is. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Cell ids must contain one of these (empty: every cell). */
  readonly only: readonly string[];
  /** The contenders asked for; without `--contenders`, every one (`raw+zod` then runs in fan-out cells only). */
  readonly contenders: readonly ContenderName[];
  /** True when `--contenders` chose them: every cell then runs exactly these. */
  readonly contendersGiven: boolean;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Warm-ups also wait for a number of operations (not with `--quick` or `--short-warmup`). */
  readonly countedWarmup: boolean;
  readonly rounds: number;
  readonly httpOnly: boolean;
  readonly httpServers: readonly HttpServerKind[];
  readonly httpRounds: number;
  readonly httpDurationS: number;
  /** 0: no warm-up run. */
  readonly httpWarmupS: number;
  readonly httpConnections: number;
  /** Broadcast fan-out sizes; `callAll` uses the largest. */
  readonly fanouts: readonly number[];
  readonly memory: boolean;
  readonly nats: boolean;
  readonly scrape: boolean;
  /** The scrape cell's rounds of 20 scrapes each. */
  readonly scrapeRounds: number;
  readonly memoryCalls: number;
  /** Write CPU profiles of every process to this directory (`undefined`: no profiling; `''`: the default one). */
  readonly profileDir: string | undefined;
  readonly outDir: string | undefined;
  /** Another build of cluster-rpc, run as `cluster-rpc@base`. */
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

const SERVER_ALIASES: Readonly<Record<string, HttpServerKind>> = {
  crpc: 'cluster-rpc',
  crpcs: 'cluster-rpc/socket',
  base: 'cluster-rpc@base',
};

const KNOWN =
  'quick only contenders duration warmup short-warmup rounds workers memory memory-calls nats scrape http servers http-duration http-warmup connections profile out baseline baseline-socket help'.split(
    ' ',
  );

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
    if (!KNOWN.includes(match[1])) throw new Error(`unknown option --${match[1]}\n\n${USAGE}`);
    given.set(match[1], match[2]);
  }
  const quick = given.has('quick');
  const baseline = given.has('baseline');
  /** `--<option>=a,b` resolved through `aliases` and checked against `known`; every known one but the baseline by default. */
  const names = <T extends string>(option: string, what: string, known: readonly T[], aliases: Readonly<Record<string, T>>) => {
    if (!given.has(option)) return known.filter((name) => name !== 'cluster-rpc@base' || baseline);
    const chosen = list(given.get(option)).map((name) => {
      const resolved = aliases[name] ?? name;
      if (!(known as readonly string[]).includes(resolved)) {
        throw new Error(
          `--${option}: unknown ${what} '${name}' (known: ${known.join(', ')}; aliases ${Object.keys(aliases).join(', ')})`,
        );
      }
      if (resolved === 'cluster-rpc@base' && !baseline)
        throw new Error(`--${option}: cluster-rpc@base runs the build given with --baseline=<dir>`);
      return resolved as T;
    });
    return known.filter((name) => chosen.includes(name));
  };
  if (given.has('baseline-socket') && !baseline) throw new Error('--baseline-socket needs --baseline=<dir>');
  if (baseline && !given.get('baseline')) throw new Error('--baseline needs a folder: --baseline=<dir>');
  const integer = (name: string, fallback: number, zero = false): number => {
    if (!given.has(name)) return fallback;
    const value = given.get(name);
    return zero && value === '0' ? 0 : positiveInteger(name, value);
  };
  return {
    quick,
    only: list(given.get('only')),
    contenders: names('contenders', 'contender', CONTENDERS, CONTENDER_ALIASES),
    contendersGiven: given.has('contenders'),
    durationMs: integer('duration', quick ? 400 : 500),
    warmupMs: integer('warmup', quick ? 150 : 250),
    countedWarmup: !quick && !given.has('short-warmup'),
    rounds: integer('rounds', quick ? 2 : 3),
    httpOnly: given.has('http'),
    httpServers: names('servers', 'server', HTTP_SERVERS, SERVER_ALIASES),
    httpRounds: integer('rounds', quick ? 2 : 3),
    scrapeRounds: integer('rounds', 7),
    httpDurationS: integer('http-duration', quick ? 1 : 2),
    httpWarmupS: integer('http-warmup', 1, true),
    httpConnections: integer('connections', 32),
    fanouts: given.has('workers')
      ? list(given.get('workers')).map((value) => positiveInteger('workers', value))
      : [...DEFAULT_FANOUTS],
    memory: given.has('memory'),
    nats: given.has('nats'),
    scrape: given.has('scrape'),
    memoryCalls: integer('memory-calls', 1_000_000),
    profileDir: given.has('profile') ? (given.get('profile') ?? '') : undefined,
    outDir: given.get('out'),
    baselineDir: given.get('baseline'),
    baselineSocket: given.has('baseline-socket'),
    help: given.has('help'),
  };
}
