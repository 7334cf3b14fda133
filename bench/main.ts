/** `npm run bench`: the benchmark's primary (bench/README.md; `npm run bench -- --help`). */
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCells, type Cell, contendersOf, isExtraCell, QUICK_CELLS } from './lib/cells.js';
import { renderChart } from './lib/chart.js';
import type { ContenderName } from './lib/contenders/index.js';
import { loadBaseline, setBaseline } from './lib/contenders/library.js';
import { canCollectGarbage, collectGarbage } from './lib/control.js';
import { Fleet } from './lib/fleet.js';
import { type HttpRecord, type HttpSettings, httpCellId, runHttpCell } from './lib/http/cell.js';
import { describeMachine, finishMachine, type MachineInfo, machineLine } from './lib/machine.js';
import { type MemoryRecord, memoryVersusRaw, runMemoryCell } from './lib/memory.js';
import { renderNatsTable, runNatsCell } from './lib/nats/cell.js';
import { type BenchOptions, parseOptions, USAGE } from './lib/options.js';
import { PAYLOAD_KINDS, payloadBytes, payloadOf } from './lib/payloads.js';
import { killTracked } from './lib/processes.js';
import { renderProfileSummary, summariseProfile } from './lib/profile.js';
import {
  cellLine,
  httpLine,
  renderHttpTable,
  renderMarkdown,
  renderMemoryMarkdown,
  renderTable,
  type Style,
  styleFor,
} from './lib/report.js';
import { type CellRecord, type RunObserver, type RunSettings, runCells } from './lib/run.js';
import { renderScrapeTable, runScrapeCell } from './lib/scrape/cell.js';
import { formatRatio } from './lib/stats.js';
import { renderStreamTable, runStreamCell, STREAM_CELL_IDS, type StreamRecord, streamSettings } from './lib/stream/cell.js';

/** Set in the child of a `--profile` run: where its profiles go. */
const PROFILE_DIR_ENV = 'CRPC_BENCH_PROFILE_DIR';

/** The package root: results live under its bench/ folder whether this runs compiled or through tsx. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cluster-rpc') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
}

function elapsed(since: number): string {
  const seconds = Math.round((performance.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function selectCells(options: BenchOptions): Cell[] {
  const fanouts = options.quick && !options.only.length ? [Math.max(...options.fanouts)] : options.fanouts;
  if (options.only.length > 0) return allCells(fanouts).filter((cell) => options.only.some((filter) => cell.id.includes(filter)));
  return allCells(fanouts).filter((cell) => (options.quick ? QUICK_CELLS.includes(cell.id) : !isExtraCell(cell)));
}

function settingsLine(settings: RunSettings): string {
  return `${settings.rounds} round(s) of ${settings.warmupMs} ms warm-up + ${settings.durationMs} ms measured per contender and cell, contenders in rotating order, medians of the rounds`;
}

/** Progress: a live status line on a terminal, and a summary line per finished cell everywhere. */
function progressObserver(total: number, rounds: number, started: number, style: Style): RunObserver {
  const live = process.stdout.isTTY === true;
  let index = 0;
  const counter = (): string => `[${String(index + 1).padStart(String(total).length)}/${total}]`;
  return {
    phase(cell, round, contender) {
      if (!live) return;
      process.stdout.write(`\r\x1b[K${counter()} ${cell.id} · round ${round + 1}/${rounds} · ${contender} · ${elapsed(started)}`);
    },
    cell(record) {
      if (live) process.stdout.write('\r\x1b[K');
      console.log(`${counter()} ${cellLine(record, style)}`);
      index++;
    },
  };
}

function writeResults(outDir: string, name: string, files: Readonly<Record<string, string>>): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [suffix, content] of Object.entries(files)) {
    for (const file of [`${name}-${suffix}`, `latest-${suffix}`]) {
      writeFileSync(join(outDir, file), content);
    }
    written.push(join(outDir, `${name}-${suffix}`));
  }
  return written;
}

async function runBench(options: BenchOptions, root: string): Promise<number> {
  const style = styleFor(process.stdout);
  const outDir = resolve(root, options.outDir ?? 'bench/results');
  const machine: MachineInfo = describeMachine();
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const fleet = new Fleet(fileURLToPath(new URL(`./worker${ext}`, import.meta.url)));
  const roles: Record<number, string> = { [process.pid]: 'primary' };
  cluster.on('fork', (worker) => {
    if (worker.process.pid) roles[worker.process.pid] = `worker ${worker.id}`;
  });
  const interrupted = (): void => {
    killTracked();
    fleet.killAll();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const live = process.stdout.isTTY === true;

  console.log(style.bold('cluster-rpc benchmark'));
  console.log(`machine: ${machineLine(machine)}`);
  if (ext === '.ts')
    console.log(
      style.dim(
        'running TypeScript through tsx; `npm run bench` runs compiled JavaScript, which is what the figures should come from',
      ),
    );
  if (!canCollectGarbage())
    console.log(style.bad('no --expose-gc: phases cannot start from a collected heap (npm run bench passes it)'));
  for (const kind of PAYLOAD_KINDS) payloadOf(kind);
  console.log(
    `payloads: ${PAYLOAD_KINDS.map((kind) => `${kind} ${payloadBytes(kind).toLocaleString('en-US')} B`).join(', ')} (JSON)`,
  );

  try {
    const progress = (phase: string): void => {
      if (live) process.stdout.write(`\r\x1b[K${phase} · ${elapsed(started)}`);
    };
    /** A cell that runs alone: its Markdown printed and written, with its record as JSON. */
    const writeAlone = (name: string, render: () => string, record: Record<string, unknown>): void => {
      if (live) process.stdout.write('\r\x1b[K');
      const finished = finishMachine(machine);
      const markdown = `Measured on ${machineLine(finished)}.\n\n${render()}`;
      console.log(`\n${markdown}`);
      const json = JSON.stringify({ startedAt, finishedAt: new Date().toISOString(), machine: finished, ...record }, null, 2);
      const written = writeResults(outDir, `${name}-${stamp()}`, { [`${name}.json`]: json, [`${name}.md`]: `${markdown}\n` });
      console.log(`\nwrote ${written.join(', ')}`);
    };
    if (options.nats) {
      const record = await runNatsCell(options, progress);
      writeAlone('nats', () => renderNatsTable(record), { nats: record });
      return record.cells.every((cell) => cell.target?.pass !== false) ? 0 : 1;
    }
    if (options.scrape) {
      const record = await runScrapeCell(fleet, options.scrapeRounds, progress);
      writeAlone('scrape', () => renderScrapeTable(record), { scrape: record });
      return record.pass ? 0 : 1;
    }
    if (options.memory) {
      // cluster-rpc after raw IPC (the floor, in the same run), unless one contender is asked for.
      const contender = options.contenders.length === 1 ? (options.contenders[0] as ContenderName) : 'cluster-rpc';
      const runMemory = (name: ContenderName): Promise<MemoryRecord> => {
        console.log(`memory cell: ${options.memoryCalls.toLocaleString('en-US')} ${name} calls worker→primary`);
        return runMemoryCell(fleet, name, options.memoryCalls, (sample, total) => {
          const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
          console.log(
            `  ${sample.calls.toLocaleString('en-US').padStart(String(total).length + 2)} calls  primary RSS ${mib(sample.primary.rssBytes)} MiB heap ${mib(sample.primary.heapUsedBytes)} MiB · worker RSS ${mib(sample.worker.rssBytes)} MiB heap ${mib(sample.worker.heapUsedBytes)} MiB new space ${mib(sample.worker.heapCommittedBytes.new_space ?? 0)} MiB · pending ${sample.pendingPrimary}/${sample.pendingWorker} · ${Math.round(sample.callsPerSec).toLocaleString('en-US')} calls/s`,
          );
        });
      };
      const floor = contender === 'raw' ? undefined : await runMemory('raw');
      const memory = await runMemory(contender);
      writeAlone('memory', () => renderMemoryMarkdown(memory, floor), { memory, floor });
      const growth = (record: MemoryRecord): string =>
        `primary ${formatRatio(record.growth.primary)}, worker ${formatRatio(record.growth.worker)}`;
      const verdict = (pass: boolean): string => (pass ? style.good('PASS') : style.bad('FAIL'));
      const versus = floor ? memoryVersusRaw(memory, floor) : undefined;
      console.log(
        `RSS growth ${growth(memory)}: ${verdict(memory.pass)}` +
          ` · without V8's young generation: primary ${formatRatio(memory.growthWithoutNewSpace.primary)}, worker ${formatRatio(memory.growthWithoutNewSpace.worker)}: ${verdict(memory.passWithoutNewSpace)}` +
          (floor ? ` · raw IPC in the same run: ${growth(floor)}` : '') +
          (versus
            ? ` · RSS over raw's: primary ${formatRatio(versus.primary)}, worker ${formatRatio(versus.worker)}: ${verdict(versus.pass)}`
            : ''),
      );
      return memory.pass && versus?.pass !== false ? 0 : 1;
    }

    const cells = options.httpOnly ? [] : selectCells(options);
    const httpId = httpCellId(options.httpConnections);
    const runHttp = options.httpOnly || options.only.length === 0 || options.only.some((filter) => httpId.includes(filter));
    // The stream cell runs in a full run, or when --only names it.
    const runStreams =
      !options.httpOnly &&
      (options.only.length === 0
        ? !options.quick
        : options.only.some((filter) => STREAM_CELL_IDS.some((id) => id.includes(filter))));
    if (cells.length === 0 && !runHttp && !runStreams) {
      console.error(
        `no cell matches --only=${options.only.join(',')}; cell ids look like tiny/c64/w2p, 1mb/c1/p2w, bcast/16/tiny, callall/16/100kb, ${httpId}`,
      );
      return 2;
    }
    const { contenders, contendersGiven, rounds, warmupMs, durationMs, countedWarmup } = options;
    const settings: RunSettings = { contenders, contendersGiven, rounds, warmupMs, durationMs, countedWarmup };
    const httpSettings: HttpSettings = {
      servers: options.httpServers,
      rounds: options.httpRounds,
      warmupS: options.httpWarmupS,
      durationS: options.httpDurationS,
      connections: options.httpConnections,
      threads: 1,
    };
    const phases = cells.reduce(
      (sum, cell) => sum + settings.rounds * contendersOf(cell, settings.contenders, settings.contendersGiven).length,
      0,
    );
    const httpS = runHttp
      ? httpSettings.rounds * httpSettings.servers.length * (httpSettings.warmupS + httpSettings.durationS + 0.5)
      : 0;
    const estimateS = Math.round((phases * (settings.warmupMs + settings.durationMs + 250)) / 1000 + httpS);
    if (runHttp) {
      console.log(
        `${httpId}: ${httpSettings.servers.join(', ')}; ${httpSettings.rounds} round(s) of ${httpSettings.warmupS} s warm-up + ${httpSettings.durationS} s measured per server`,
      );
    }
    if (cells.length > 0) {
      console.log(`${cells.length} cell(s) × ${settings.contenders.join(', ')}; ${settingsLine(settings)}`);
    }
    console.log(`roughly ${Math.ceil(estimateS / 60)} min or more`);

    let http: HttpRecord | undefined;
    if (runHttp) {
      http = await runHttpCell(fleet, httpSettings, (server, round) =>
        progress(`${httpId} · round ${round + 1}/${httpSettings.rounds} · ${server}`),
      );
      if (live) process.stdout.write('\r\x1b[K');
      console.log(httpLine(http, style));
    }

    const records: CellRecord[] = cells.length > 0 ? await runContenderCells(fleet, cells, settings, started, style) : [];
    let streams: StreamRecord | undefined;
    if (runStreams) {
      streams = await runStreamCell(fleet, streamSettings(options.rounds, options.quick), progress);
      if (live) process.stdout.write('\r\x1b[K');
    }
    if (http && !http.skipped) console.log(`\n${renderHttpTable(http, style)}`);
    if (records.length > 0) console.log(`\n${renderTable(records, style)}`);
    if (streams) console.log(`\n${renderStreamTable(streams)}`);
    const targets = [...records.flatMap((record) => record.targets), ...(http?.targets ?? []), ...(streams?.targets ?? [])];
    const failed = targets.filter((target) => !target.pass).length;
    const passed = targets.length - failed;
    console.log(
      `\ntargets: ${style.good(`${passed} PASS`)}, ${failed > 0 ? style.bad(`${failed} FAIL`) : '0 FAIL'} · ${elapsed(started)} elapsed`,
    );

    const finishedAt = new Date().toISOString();
    const settingsText = settingsLine(settings);
    const finished = finishMachine(machine);
    console.log(`machine: ${machineLine(finished)}`);
    const json = JSON.stringify(
      { version: 2, startedAt, finishedAt, machine: finished, settings, options, http, streams, cells: records },
      null,
      2,
    );
    const markdown = renderMarkdown(finished, settingsText, records, undefined, http);
    const streamMarkdown = streams ? `\n## Streams\n\n${renderStreamTable(streams)}\n` : '';
    const files: Record<string, string> = { 'results.json': json, 'table.md': `${markdown}\n${streamMarkdown}` };
    if (records.some((record) => record.cell.type === 'call'))
      files['chart.svg'] = renderChart(records, [machineLine(finished), settingsText]);
    const written = writeResults(outDir, `bench-${stamp()}`, files);
    console.log(`wrote ${written.join(', ')} (and latest-*)`);
    return failed > 0 ? 1 : 0;
  } finally {
    await fleet.stopAll();
    const profileDir = process.env[PROFILE_DIR_ENV];
    if (profileDir) writeFileSync(join(profileDir, 'roles.json'), JSON.stringify(roles));
  }
}

/** The cells with contenders (everything but the HTTP cell), after a short unrecorded warm-up pass. */
async function runContenderCells(
  fleet: Fleet,
  cells: readonly Cell[],
  settings: RunSettings,
  started: number,
  style: Style,
): Promise<CellRecord[]> {
  // One short unrecorded pass per contender, so the first cell does not pay for JIT warm-up alone.
  await fleet.resize(1);
  const warmCells = allCells([]).filter((cell) => cell.id === 'tiny/c64/w2p' || cell.id === 'tiny/c64/p2w');
  await runCells(fleet, warmCells, { ...settings, rounds: 1, warmupMs: 100, durationMs: 300 }, { phase() {}, cell() {} });
  collectGarbage();

  return runCells(fleet, cells, settings, progressObserver(cells.length, settings.rounds, started, style));
}

/** `--profile`: runs the benchmark again under `--cpu-prof` (workers inherit it), then summarises each process's profile. */
async function runProfiled(options: BenchOptions, root: string): Promise<number> {
  const dir = resolve(root, options.profileDir || join(options.outDir ?? 'bench/results', 'profiles', stamp()));
  mkdirSync(dir, { recursive: true });
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--profile'));
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${dir}`, process.argv[1] as string, ...args],
    {
      stdio: 'inherit',
      env: { ...process.env, [PROFILE_DIR_ENV]: dir },
    },
  );
  const code = await new Promise<number>((done) => child.on('exit', (exitCode) => done(exitCode ?? 1)));
  const roles = existsSync(join(dir, 'roles.json'))
    ? (JSON.parse(readFileSync(join(dir, 'roles.json'), 'utf8')) as Record<string, string>)
    : {};
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const reports = files
    .map((file) => {
      const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1] ?? '?';
      return { role: roles[pid] ?? `pid ${pid}`, file, summary: summariseProfile(join(dir, file)) };
    })
    .sort((a, b) =>
      a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : a.role.localeCompare(b.role, 'en', { numeric: true }),
    );
  const text = reports.map((report) => renderProfileSummary(`${report.role} (${report.file})`, report.summary, 12)).join('\n\n');
  writeFileSync(join(dir, 'summary.txt'), `${text}\n`);
  console.log(`\n${text}\n\nprofiles and summary.txt in ${dir} (open a .cpuprofile in Chrome DevTools › Performance)`);
  return code;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const root = packageRoot();
  if (options.profileDir !== undefined && !process.env[PROFILE_DIR_ENV]) return runProfiled(options, root);
  if (options.baselineDir !== undefined) {
    // The workers, forked later, inherit the setting and load the same build.
    setBaseline(options.baselineDir, options.baselineSocket);
    await loadBaseline();
  }
  return runBench(options, root);
}

process.exitCode = await main();
