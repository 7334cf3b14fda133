/**
 * The HTTP cell's load generator: `wrk` (Debian's package), in its own process, on loopback. A small Lua script makes it print
 * its totals and exact latency percentiles as one JSON line, instead of its rounded text.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, stop, track } from '../processes.js';

export interface WrkResult {
  readonly requests: number;
  readonly durationMs: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Socket errors and non-2xx/3xx answers, by kind. */
  readonly errors: Readonly<Record<'connect' | 'read' | 'write' | 'status' | 'timeout', number>>;
}

/** The load a run puts on the servers. */
export interface WrkLoad {
  readonly url: string;
  readonly connections: number;
  readonly threads: number;
  /** wrk takes whole seconds. */
  readonly seconds: number;
}

const SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('@@wrk {"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
`;

/** wrk's version line, or `undefined` when it is not installed. */
export function wrkVersion(): string | undefined {
  const result = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (result.error) return undefined;
  const line = `${result.stdout}${result.stderr}`.split('\n')[0]?.trim();
  return line ? line.replace(/\s+Copyright.*$/, '') : undefined;
}

/** A place for the Lua script, removed by {@link WrkRunner.dispose}. */
export class WrkRunner {
  readonly #dir = mkdtempSync(join(tmpdir(), 'cluster-rpc-bench-wrk-'));
  readonly #script = join(this.#dir, 'report.lua');

  constructor() {
    writeFileSync(this.#script, SCRIPT);
  }

  /** Runs wrk once with `load`; rejects if it fails or does not finish in time. */
  async run(load: WrkLoad): Promise<WrkResult> {
    const args = [
      ...['-t', String(load.threads), '-c', String(load.connections), '-d', `${load.seconds}s`],
      ...['--timeout', '5s', '-s', this.#script, load.url],
    ];
    const child = track(spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
    }
    // wrk stops by itself after its duration; this only guards against a wedged run.
    const guard = setTimeout(() => void stop(child, 'SIGTERM', 2000), (load.seconds + 15) * 1000);
    try {
      await exited(child);
    } finally {
      clearTimeout(guard);
    }
    const line = output.split('\n').find((text) => text.startsWith('@@wrk '));
    if (child.exitCode !== 0 || !line) {
      throw new Error(`wrk failed (${child.signalCode ?? `exit code ${child.exitCode}`}): ${output.trim().slice(0, 500)}`);
    }
    const raw = JSON.parse(line.slice('@@wrk '.length)) as Record<string, number>;
    const ms = (key: string): number => (raw[key] ?? Number.NaN) / 1000;
    const durationMs = ms('durationUs');
    const count = (key: string): number => raw[key] ?? 0;
    const requests = count('requests');
    return {
      requests,
      durationMs,
      requestsPerSec: durationMs > 0 ? (requests / durationMs) * 1000 : 0,
      p50Ms: ms('p50'),
      p90Ms: ms('p90'),
      p99Ms: ms('p99'),
      maxMs: ms('max'),
      meanMs: ms('mean'),
      errors: {
        connect: count('connect'),
        read: count('read'),
        write: count('write'),
        status: count('status'),
        timeout: count('timeout'),
      },
    };
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
