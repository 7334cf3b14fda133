/**
 * Turning records into text: the one-line summary after each cell, the table at the end (ratios to raw stand out, targets say
 * PASS or FAIL), and the Markdown table meant for the README's "Performance" section.
 */
import { MEMORY_GROWTH_LIMIT, MEMORY_VS_RAW_LIMIT } from './cells.js';
import type { ContenderName } from './contenders/types.js';
import type { HttpFigures, HttpRecord } from './http/cell.js';
import type { HttpServerKind } from './http/servers.js';
import { type MachineInfo, machineLine } from './machine.js';
import { type MemoryRecord, memoryVersusRaw } from './memory.js';
import type { CellRecord, ContenderFigures } from './run.js';
import { formatRatio } from './stats.js';

/** ANSI styling, or none when the output is not a terminal or NO_COLOR is set. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  bad(text: string): string;
  ratio(text: string): string;
}

/** Styling for `stream`. */
export function styleFor(stream: NodeJS.WriteStream): Style {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  const wrap =
    (open: number, close: number) =>
    (text: string): string =>
      on ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return { bold: wrap(1, 22), dim: wrap(2, 22), good: wrap(32, 39), bad: wrap(31, 39), ratio: wrap(36, 39) };
}

/** `182,345` */
function formatRate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

/** Milliseconds with three significant digits: `0.0912`, `1.23`, `456`. */
function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return Math.round(value).toString();
  return value.toPrecision(3);
}

const SHORT: Readonly<Record<ContenderName, string>> = {
  raw: 'raw',
  'raw+zod': 'raw+zod',
  birpc: 'birpc',
  'birpc+sj+zod': 'birpc+sj+zod',
  'cluster-rpc': 'crpc',
  'cluster-rpc+metrics': 'crpc+metrics',
  'raw/socket': 'raw/socket',
  'cluster-rpc/socket': 'crpc/socket',
  'cluster-rpc+otel': 'crpc+otel',
  'cluster-rpc+otel-sdk': 'crpc+otel-sdk',
  'cluster-rpc@base': 'crpc@base',
};

type RatioKey = 'callsPerSec' | 'p50Ms' | 'p99Ms' | 'cpuMicrosPerCall';

function ratioTo(figure: ContenderFigures | undefined, raw: ContenderFigures | undefined, key: RatioKey): number {
  return figure && raw ? figure[key] / raw[key] : Number.NaN;
}

/** The verdict of a cell's targets (`PASS`, `FAIL (2)` or `-` when none apply), and a note of its problems. */
function verdict(record: Pick<CellRecord, 'targets' | 'problems'>, style: Style): string {
  const failed = record.targets.filter((target) => !target.pass).length;
  const problems = record.problems.length > 0 ? style.bad(`  (${record.problems.length} problem(s), see the table)`) : '';
  if (record.targets.length === 0) return style.dim('-') + problems;
  return (failed === 0 ? style.good('PASS') : style.bad(`FAIL (${failed})`)) + problems;
}

/** The line printed once a cell is done. */
export function cellLine(record: CellRecord, style: Style): string {
  const raw = record.figures.raw;
  const parts: string[] = [];
  for (const [name, figure] of Object.entries(record.figures) as Array<[ContenderName, ContenderFigures]>) {
    const rate = `${formatRate(figure.callsPerSec)}/s`;
    const relative = name === 'raw' || !raw ? '' : ` ${style.ratio(formatRatio(ratioTo(figure, raw, 'callsPerSec')))}`;
    parts.push(`${SHORT[name]} ${rate}${relative} p50 ${formatMs(figure.p50Ms)}ms`);
  }
  return `${record.label.padEnd(36)} ${parts.join('  ')}  ${verdict(record, style)}`;
}

/** A cell of a text table: its text, or its styled text and what it shows. */
type TextCell = string | readonly [styled: string, plain: string];

/** One line of a table: `widths[i] > 0` pads cell i at its end, `< 0` at its start. */
function row(cells: readonly TextCell[], widths: readonly number[]): string {
  return cells
    .map((cell, index) => {
      const [text, plain] = typeof cell === 'string' ? [cell, cell] : cell;
      const width = widths[index] ?? 0;
      const fill = ' '.repeat(Math.max(0, Math.abs(width) - plain.length));
      return width < 0 ? fill + text : text + fill;
    })
    .join('');
}

/** A spread of calls/s over the rounds beyond this is shown as a warning: the ratios of that cell are shaky. */
const NOISY_SPREAD = 0.15;

function spreadCell(spread: number, style: Style): TextCell {
  const plain = `${Math.round(spread * 100)}%`;
  return [spread > NOISY_SPREAD ? style.bad(plain) : style.dim(plain), plain];
}

const TABLE_WIDTHS = [36, 14, -10, -6, -7, -9, -7, -9, -7, -12, -7, -14, -10, -13, -18, 0];
const TABLE_HEAD =
  'cell|contender|calls/s|±|×raw|p50 ms|×raw|p99 ms|×raw|CPU µs/call|×raw|P + W|wake/call|RSS P/W MiB|p50/p99 ×raw+zod|  targets (cluster-rpc)';

/** The table printed at the end: a row per contender and cell, ratios to raw, RSS, and the targets. */
export function renderTable(records: readonly CellRecord[], style: Style): string {
  const lines = [style.bold(row(TABLE_HEAD.split('|'), TABLE_WIDTHS))];
  for (const record of records) {
    const raw = record.figures.raw;
    const rawZod = record.figures['raw+zod'];
    const entries = Object.entries(record.figures) as Array<[ContenderName, ContenderFigures]>;
    entries.forEach(([name, figure], index) => {
      const ours = (text: string): TextCell => [name === 'cluster-rpc' ? style.ratio(style.bold(text)) : style.ratio(text), text];
      const ratio = (key: RatioKey): TextCell => ours(name === 'raw' ? '' : formatRatio(ratioTo(figure, raw, key)));
      const againstRawZod =
        rawZod && name !== 'raw' && name !== 'raw+zod'
          ? `${formatRatio(ratioTo(figure, rawZod, 'p50Ms'))} / ${formatRatio(ratioTo(figure, rawZod, 'p99Ms'))}`
          : '';
      let targets = '';
      if (name === 'cluster-rpc' || name === 'cluster-rpc/socket') {
        // Issue 25's targets (named `socket: …`) on the socket's row, the others on cluster-rpc's.
        targets = record.targets
          .filter((target) => target.name.startsWith('socket:') === (name === 'cluster-rpc/socket'))
          .map((target) => `${target.pass ? style.good('PASS') : style.bad('FAIL')} ${target.name} (${target.actual})`)
          .join(' · ');
      }
      const cells: TextCell[] = [
        index === 0 ? record.label : '',
        name,
        formatRate(figure.callsPerSec),
        spreadCell(figure.spread, style),
        ratio('callsPerSec'),
        formatMs(figure.p50Ms),
        ratio('p50Ms'),
        formatMs(figure.p99Ms),
        ratio('p99Ms'),
        formatMs(figure.cpuMicrosPerCall),
        ratio('cpuMicrosPerCall'),
        `${formatMs(figure.cpuMicrosPerCallBySide.primary)} + ${formatMs(figure.cpuMicrosPerCallBySide.workers)}`,
        Number.isFinite(figure.wakeupsPerCall) ? figure.wakeupsPerCall.toFixed(2) : 'n/a',
        `${Math.round(figure.rssPrimaryMiB)}/${Math.round(figure.rssWorkerMiB)}`,
        name === 'cluster-rpc' ? ours(againstRawZod) : againstRawZod,
        targets ? `  ${targets}` : '',
      ];
      lines.push(row(cells, TABLE_WIDTHS));
    });
    for (const problem of record.problems) lines.push(`${' '.repeat(36)}${style.bad(`! ${problem}`)}`);
  }
  return lines.join('\n');
}

/** The Markdown summary: machine, the HTTP cell if it ran, settings, one row per cell, and the memory cell if it ran. */
export function renderMarkdown(
  machine: MachineInfo,
  settings: string,
  records: readonly CellRecord[],
  memory: MemoryRecord | undefined,
  http?: HttpRecord,
): string {
  const lines = [`Measured on ${machineLine(machine)}.`, ''];
  if (http) lines.push(renderHttpMarkdown(http), '');
  if (records.length > 0) lines.push(`Cells with contenders: ${settings}.`, '');
  if (records.length > 0) {
    lines.push(
      '| cell | raw calls/s | raw p50 / p99 ms | raw+zod p50 / p99 ms | birpc calls/s (×raw) | birpc+sj+zod calls/s (×raw) | cluster-rpc calls/s (×raw) | cluster-rpc p50 ms (×raw) | cluster-rpc p99 ms (×raw) | cluster-rpc p50 / p99 ×raw+zod | cluster-rpc CPU µs/call (×raw) | cluster-rpc RSS primary / worker MiB | targets |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const record of records) {
      const { raw, birpc } = record.figures;
      const rawZod = record.figures['raw+zod'];
      const peer = record.figures['birpc+sj+zod'];
      const ours = record.figures['cluster-rpc'];
      const cellWith = (figure: ContenderFigures | undefined, key: RatioKey): string => {
        if (!figure) return '–';
        const value = key === 'callsPerSec' ? formatRate(figure[key]) : formatMs(figure[key]);
        return raw ? `${value} (**${formatRatio(figure[key] / raw[key])}**)` : value;
      };
      const latencies = (figure: ContenderFigures | undefined): string =>
        figure ? `${formatMs(figure.p50Ms)} / ${formatMs(figure.p99Ms)}` : '–';
      const againstRawZod =
        ours && rawZod ? `**${formatRatio(ours.p50Ms / rawZod.p50Ms)}** / **${formatRatio(ours.p99Ms / rawZod.p99Ms)}**` : '–';
      const targets =
        record.targets.map((target) => `${target.pass ? 'PASS' : '**FAIL**'} ${target.name} (${target.actual})`).join('; ') ||
        '–';
      lines.push(
        `| ${record.label} | ${raw ? formatRate(raw.callsPerSec) : '–'} | ${latencies(raw)} | ${latencies(rawZod)} | ${cellWith(birpc, 'callsPerSec')} | ${cellWith(peer, 'callsPerSec')} | ${cellWith(ours, 'callsPerSec')} | ${cellWith(ours, 'p50Ms')} | ${cellWith(ours, 'p99Ms')} | ${againstRawZod} | ${cellWith(ours, 'cpuMicrosPerCall')} | ${ours ? `${Math.round(ours.rssPrimaryMiB)} / ${Math.round(ours.rssWorkerMiB)}` : '–'} | ${targets} |`,
      );
    }
    lines.push(
      '',
      'Broadcast cells count broadcasts per second, and their latency is the time until every worker acknowledged; callAll cells count gathers. CPU µs/call is the CPU time of the primary and the worker(s) together per call (or per fan-out), the figure least moved by other work on the machine. Ratios are to raw `process.send`/`worker.send` with JSON in the same run (fan-out cells also to `raw+zod`, raw IPC with the same zod checks by hand); `birpc+sj+zod` is birpc with superjson and the same zod checks; medians of the rounds.',
    );
  }
  if (memory) {
    lines.push('', renderMemoryMarkdown(memory));
  }
  return lines.join('\n');
}

function versusRawLine(memory: MemoryRecord, floor: MemoryRecord, verdict: (pass: boolean) => string): string[] {
  if (memory.contender === floor.contender) return [];
  const versus = memoryVersusRaw(memory, floor);
  return [
    `- RSS after ${memory.calls.toLocaleString('en-US')} calls over raw IPC's after as many (target ≤ ${MEMORY_VS_RAW_LIMIT.toFixed(2)}×; the primary is the same process, which ran raw first): primary ${formatRatio(versus.primary)}, worker ${formatRatio(versus.worker)} (a fresh worker each): ${verdict(versus.pass)}.`,
  ];
}

/** The memory cell as Markdown; `floor` is the same cell with raw IPC, when it ran too. */
export function renderMemoryMarkdown(memory: MemoryRecord, floor?: MemoryRecord): string {
  const first = memory.samples[0];
  const last = memory.samples.at(-1);
  if (!first || !last) return 'Memory cell: no samples.';
  const mib = (bytes: number | undefined): string => ((bytes ?? 0) / 2 ** 20).toFixed(1);
  const verdict = (pass: boolean): string => (pass ? 'PASS' : '**FAIL**');
  const limit = `${MEMORY_GROWTH_LIMIT.toFixed(2)}×`;
  return [
    `Memory (${memory.contender}, tiny calls worker→primary, concurrency ${memory.concurrency}; each process collected with \`gc()\` before each sample${memory.gcExposed ? '' : ' — **not possible in this run: no --expose-gc**'}):`,
    '',
    '| after calls | primary RSS | heap used | new space | worker RSS | heap used | new space | pending (primary / worker) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...memory.samples.map(
      (sample) =>
        `| ${sample.calls.toLocaleString('en-US')} | ${mib(sample.primary.rssBytes)} | ${mib(sample.primary.heapUsedBytes)} | ${mib(sample.primary.heapCommittedBytes.new_space)} | ${mib(sample.worker.rssBytes)} | ${mib(sample.worker.heapUsedBytes)} | ${mib(sample.worker.heapCommittedBytes.new_space)} | ${sample.pendingPrimary} / ${sample.pendingWorker} |`,
    ),
    '',
    'Figures in MiB; "new space" is V8\'s young generation as committed, which V8 grows while allocation is fast and which holds only short-lived objects.',
    '',
    `- RSS growth from ${memory.baselineCalls.toLocaleString('en-US')} calls (the first sample from ${first.calls.toLocaleString('en-US')} on after which V8's young generation stopped growing) to ${last.calls.toLocaleString('en-US')} calls (target ≤ ${limit}): primary ${formatRatio(memory.growth.primary)}, worker ${formatRatio(memory.growth.worker)}: ${verdict(memory.pass)}.`,
    `- The same without the young generation: primary ${formatRatio(memory.growthWithoutNewSpace.primary)}, worker ${formatRatio(memory.growthWithoutNewSpace.worker)}: ${verdict(memory.passWithoutNewSpace)}.`,
    `- Pending at the end: ${last.pendingPrimary} in the primary, ${last.pendingWorker} in the worker; ${memory.errors} failed call(s).`,
    ...(floor
      ? [
          `- Raw IPC (the floor: ids, a Map of resolvers, \`process.send\`), the same calls in the same run: RSS growth primary ${formatRatio(floor.growth.primary)}, worker ${formatRatio(floor.growth.worker)} (${verdict(floor.pass)}); without the young generation ${formatRatio(floor.growthWithoutNewSpace.primary)} / ${formatRatio(floor.growthWithoutNewSpace.worker)}.`,
          ...versusRawLine(memory, floor, verdict),
        ]
      : []),
  ].join('\n');
}

/** The HTTP cell's one-line summary, printed when it is done. */
export function httpLine(record: HttpRecord, style: Style): string {
  if (record.skipped) return `${record.label}: ${style.bad(`skipped: ${record.skipped}`)}`;
  const raw = record.figures.raw;
  const parts = (Object.entries(record.figures) as Array<[HttpServerKind, HttpFigures]>).map(([name, figure]) => {
    const relative = name === 'raw' || !raw ? '' : ` ${style.ratio(formatRatio(figure.requestsPerSec / raw.requestsPerSec))}`;
    return `${name} ${formatRate(figure.requestsPerSec)} req/s${relative}`;
  });
  return `${record.label}  ${parts.join('  ')}  ${verdict(record, style)}`;
}

/** `0.81–0.93×`: the range of per-round ratios. */
function ratioRange(values: readonly number[]): string {
  if (values.length === 0) return '';
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? formatRatio(low) : `${low.toFixed(2)}–${formatRatio(high)}`;
}

const HTTP_WIDTHS = [14, -9, -6, -7, -13, -9, -7, -9, -9, -7, -11, -7, -22, -8];
const HTTP_HEAD = 'server|req/s|±|×raw|rounds ×raw|p50 ms|×raw|p90 ms|p99 ms|×raw|CPU µs/req|×raw|P + W (+ redis)|errors';

/** The HTTP cell's table: a row per server, ratios to the hand-written round trip. */
export function renderHttpTable(record: HttpRecord, style: Style): string {
  if (record.skipped) return style.bad(`${record.label}: skipped: ${record.skipped}`);
  const lines = [style.bold(`${record.label}, ${settingsOfHttp(record)}`), style.bold(row(HTTP_HEAD.split('|'), HTTP_WIDTHS))];
  const raw = record.figures.raw;
  for (const [name, figure] of Object.entries(record.figures) as Array<[HttpServerKind, HttpFigures]>) {
    const ratio = (key: 'requestsPerSec' | 'p50Ms' | 'p99Ms' | 'cpuMicrosPerRequest'): TextCell => {
      const text = name === 'raw' || raw === undefined ? '' : formatRatio(figure[key] / raw[key]);
      return [name === 'cluster-rpc' ? style.ratio(style.bold(text)) : style.ratio(text), text];
    };
    const sides = figure.cpuMicrosPerRequestBySide;
    const split = `${formatMs(sides.primary)} + ${formatMs(sides.workers)}${name === 'redis' ? ` + ${formatMs(sides.redis)}` : ''}`;
    const cells: TextCell[] = [
      name,
      formatRate(figure.requestsPerSec),
      spreadCell(figure.spread, style),
      ratio('requestsPerSec'),
      name === 'raw' ? '' : ratioRange(figure.roundRatios),
      formatMs(figure.p50Ms),
      ratio('p50Ms'),
      formatMs(figure.p90Ms),
      formatMs(figure.p99Ms),
      ratio('p99Ms'),
      formatMs(figure.cpuMicrosPerRequest),
      ratio('cpuMicrosPerRequest'),
      split,
      String(figure.errors),
    ];
    lines.push(row(cells, HTTP_WIDTHS));
  }
  if (record.targets.length > 0) {
    lines.push(
      `targets (cluster-rpc): ${record.targets.map((target) => `${target.pass ? style.good('PASS') : style.bad('FAIL')} ${target.name} (${target.actual})`).join(' · ')}`,
    );
  }
  for (const problem of record.problems) lines.push(style.bad(`! ${problem}`));
  return lines.join('\n');
}

function settingsOfHttp(record: HttpRecord): string {
  const { rounds, warmupS, durationS } = record.settings;
  const tools = [record.tools.wrk, record.tools.redis ? `redis-server ${record.tools.redis}` : undefined].filter(Boolean);
  return `${rounds} round(s) of ${warmupS} s warm-up + ${durationS} s measured per server, rotating order, medians of the rounds (${tools.join(', ')})`;
}

function renderHttpMarkdown(record: HttpRecord): string {
  if (record.skipped) return `${record.label}: skipped: ${record.skipped}.`;
  const raw = record.figures.raw;
  const ratio = (value: number, base: number | undefined): string =>
    base === undefined ? '' : ` (**${formatRatio(value / base)}**)`;
  const lines = [
    `${record.label}; ${settingsOfHttp(record)}.`,
    '',
    '| server | req/s (×raw) | per-round ×raw | p50 ms (×raw) | p90 ms | p99 ms (×raw) | CPU µs/req (×raw) | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, figure] of Object.entries(record.figures) as Array<[HttpServerKind, HttpFigures]>) {
    const own = name === 'raw';
    lines.push(
      `| ${name} | ${formatRate(figure.requestsPerSec)}${own ? '' : ratio(figure.requestsPerSec, raw?.requestsPerSec)} | ${own ? '–' : ratioRange(figure.roundRatios)} | ${formatMs(figure.p50Ms)}${own ? '' : ratio(figure.p50Ms, raw?.p50Ms)} | ${formatMs(figure.p90Ms)} | ${formatMs(figure.p99Ms)}${own ? '' : ratio(figure.p99Ms, raw?.p99Ms)} | ${formatMs(figure.cpuMicrosPerRequest)}${own ? '' : ratio(figure.cpuMicrosPerRequest, raw?.cpuMicrosPerRequest)} | ${figure.errors} |`,
    );
  }
  lines.push(
    '',
    "`none`: no call (a counter in the worker); `raw`: a hand-written `process.send` round trip (numeric id, `Map` of resolvers); `birpc`: birpc's defaults; `cluster-rpc`: a call whose input and output zod validates; `redis`: one `INCR` through ioredis on the benchmark's own `redis-server`. CPU µs/req: the primary, both workers and (for `redis`) the Redis server together, not wrk.",
  );
  if (record.targets.length > 0) {
    lines.push(
      '',
      `Targets (cluster-rpc): ${record.targets.map((target) => `${target.pass ? 'PASS' : '**FAIL**'} ${target.name} (${target.actual})`).join('; ')}.`,
    );
  }
  for (const problem of record.problems) lines.push('', `- problem: ${problem}`);
  return lines.join('\n');
}
