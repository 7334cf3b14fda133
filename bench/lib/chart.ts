/** The SVG chart, plain SVG: calls/s per payload size on a log axis (the sizes span four orders of magnitude), ratios to raw. */
import { CONCURRENCIES, type Direction } from './cells.js';
import { PAYLOAD_KINDS, PAYLOAD_LABELS } from './payloads.js';
import type { CellRecord } from './run.js';

/** The contenders of the point-to-point cells, as the chart shows them (`raw+zod` runs in fan-out cells). */
const CONTENDERS = ['raw', 'birpc', 'birpc+sj+zod', 'cluster-rpc'] as const;

/** Okabe–Ito colours, distinguishable with common colour blindness. */
const COLOURS = { raw: '#7f7f7f', birpc: '#e69f00', 'birpc+sj+zod': '#d55e00', 'cluster-rpc': '#0072b2' } as const;

const PANEL_WIDTH = 460;
const PANEL_HEIGHT = 300;
const PLOT = { left: 58, right: 12, top: 34, bottom: 66 } as const;
const HEADER_HEIGHT = 92;
const HEADING = 'Round trips per second by payload size: raw IPC, birpc, birpc with superjson and zod, cluster-rpc';

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function tickLabel(value: number): string {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)}k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value >= 10 ? Math.round(value).toString() : value.toFixed(1);
}

/** One panel: payload sizes along x, a bar per contender, calls/s on a log axis. */
function panel(records: readonly CellRecord[], direction: Direction, concurrency: number, x: number, y: number): string {
  const cellOf = (payload: string): CellRecord | undefined =>
    records.find(
      (record) =>
        record.cell.type === 'call' &&
        record.cell.direction === direction &&
        record.cell.concurrency === concurrency &&
        record.cell.payload === payload,
    );
  const values = PAYLOAD_KINDS.flatMap((payload) =>
    CONTENDERS.map((name) => cellOf(payload)?.figures[name]?.callsPerSec ?? Number.NaN),
  ).filter((value) => Number.isFinite(value) && value > 0);
  const title = `${direction === 'w2p' ? 'worker → primary' : 'primary → worker'}, concurrency ${concurrency}`;
  const parts = [
    `<g transform="translate(${x},${y})">`,
    `<text x="${PANEL_WIDTH / 2}" y="18" class="title">${escapeXml(title)}</text>`,
  ];
  const plotWidth = PANEL_WIDTH - PLOT.left - PLOT.right;
  const plotHeight = PANEL_HEIGHT - PLOT.top - PLOT.bottom;
  if (values.length === 0) {
    parts.push(`<text x="${PANEL_WIDTH / 2}" y="${PANEL_HEIGHT / 2}" class="empty">not run</text>`, '</g>');
    return parts.join('');
  }
  const low = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.6));
  const yOf = (value: number): number =>
    PLOT.top + plotHeight - ((Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotHeight;
  for (let tick = low; tick <= high; tick *= 10) {
    const ty = yOf(tick).toFixed(1);
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${ty}" y2="${ty}" class="grid"/>`,
      `<text x="${PLOT.left - 6}" y="${ty}" class="tick" dy="0.32em">${tickLabel(tick)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(14,${PLOT.top + plotHeight / 2}) rotate(-90)" class="axis">calls/s (log)</text>`,
    `<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${PLOT.top + plotHeight}" y2="${PLOT.top + plotHeight}" class="baseline"/>`,
  );
  const groupWidth = plotWidth / PAYLOAD_KINDS.length;
  const barWidth = (groupWidth - 16) / CONTENDERS.length;
  PAYLOAD_KINDS.forEach((payload, group) => {
    const record = cellOf(payload);
    const gx = PLOT.left + group * groupWidth + 8;
    parts.push(
      `<text x="${(gx + (groupWidth - 16) / 2).toFixed(1)}" y="${PLOT.top + plotHeight + 16}" class="xlabel">${escapeXml(PAYLOAD_LABELS[payload])}</text>`,
    );
    const raw = record?.figures.raw?.callsPerSec;
    CONTENDERS.forEach((name, index) => {
      const value = record?.figures[name]?.callsPerSec;
      if (value === undefined || !Number.isFinite(value) || value <= 0) return;
      const bx = gx + index * barWidth;
      const top = yOf(value);
      const label = `${name}: ${compact(value)} calls/s${raw && name !== 'raw' ? `, ${(value / raw).toFixed(2)}× raw` : ''}`;
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(PLOT.top + plotHeight - top).toFixed(1)}" fill="${COLOURS[name]}"><title>${escapeXml(label)}</title></rect>`,
        `<text x="${(bx + barWidth / 2 - 1).toFixed(1)}" y="${(top - 3).toFixed(1)}" class="value">${compact(value)}</text>`,
      );
      if (raw && name !== 'raw') {
        // Ratios go under the group's label, one line per contender, in its colour.
        const line = 16 + index * 14;
        parts.push(
          `<text x="${(gx + (groupWidth - 16) / 2).toFixed(1)}" y="${PLOT.top + plotHeight + line}" class="ratio" fill="${COLOURS[name]}">${name === 'cluster-rpc' ? 'crpc' : name} ${(value / raw).toFixed(2)}×</text>`,
        );
      }
    });
  });
  parts.push('</g>');
  return parts.join('');
}

/**
 * Renders the chart of the point-to-point cells in `records`.
 *
 * @param caption - Lines under the title: the machine, the settings.
 */
export function renderChart(records: readonly CellRecord[], caption: readonly string[]): string {
  const directions: Direction[] = ['w2p', 'p2w'];
  const width = PANEL_WIDTH * CONCURRENCIES.length + 20;
  const height = HEADER_HEIGHT + PANEL_HEIGHT * directions.length + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    `<title id="chart-title">${escapeXml(`${HEADING}. ${caption.join('. ')}`)}</title>`,
    '<style>',
    '.title{font-size:13px;font-weight:600;text-anchor:middle;fill:#222}',
    '.tick{font-size:10px;text-anchor:end;fill:#555}.axis{font-size:10px;text-anchor:middle;fill:#555}',
    '.xlabel{font-size:11px;text-anchor:middle;fill:#333}.value{font-size:8px;text-anchor:middle;fill:#333}',
    '.ratio{font-size:10px;text-anchor:middle;font-weight:700}.empty{font-size:12px;text-anchor:middle;fill:#999}',
    '.grid{stroke:#e4e4e4;stroke-width:1}.baseline{stroke:#999;stroke-width:1}',
    '.heading{font-size:16px;font-weight:700;fill:#111}.caption{font-size:11px;fill:#555}.legend{font-size:12px;fill:#222}',
    '</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="14" y="24" class="heading">${HEADING} (log scale; ratios to raw under each group)</text>`,
    ...caption.map((text, line) => `<text x="14" y="${42 + line * 14}" class="caption">${escapeXml(text)}</text>`),
  ];
  CONTENDERS.forEach((name, index) => {
    const lx = 14 + index * 170;
    parts.push(
      `<rect x="${lx}" y="68" width="12" height="12" fill="${COLOURS[name]}"/>`,
      `<text x="${lx + 18}" y="78" class="legend">${name === 'raw' ? 'raw process.send' : name}</text>`,
    );
  });
  directions.forEach((direction, row) => {
    CONCURRENCIES.forEach((concurrency, column) => {
      parts.push(panel(records, direction, concurrency, 10 + column * PANEL_WIDTH, HEADER_HEIGHT + row * PANEL_HEIGHT));
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
