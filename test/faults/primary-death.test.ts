/**
 * The primary is SIGKILLed while every worker has 100 calls in flight each
 * way: each worker settles its calls and aborts its handlers before it exits,
 * every worker exits within seconds, and no process is left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/cluster.js';
import { fixturePath, ReportDir, readReport, tally } from '../helpers/faults.js';
import { waitFor } from '../helpers/wait.js';

const WORKERS = 2;
const IN_FLIGHT = 100;

const reports = new ReportDir();
let primary: ChildProcess | undefined;
let workerPids: number[] = [];

afterEach(() => {
  // Whatever the outcome, leave no process behind.
  if (primary && primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
  for (const pid of workerPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(() => reports.remove());

/** Starts the primary fixture and resolves with what it printed once every call is in flight. */
async function startPrimary(file: string): Promise<{ pids: number[]; primaryPending: number }> {
  primary = spawn(process.execPath, ['--import', 'tsx', fixturePath('primary-main.ts')], {
    env: { ...process.env, FAULT_REPORT: file, FAULT_WORKERS: String(WORKERS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: primary.stdout as NodeJS.ReadableStream });
  const exit = once(primary, 'exit').then(([code, signal]) => {
    throw new Error(`the primary fixture exited early (code ${code}, signal ${signal})`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      if (line.startsWith('{"ready"')) return JSON.parse(line) as { pids: number[]; primaryPending: number };
    }
    throw new Error('the primary fixture closed its stdout before it was ready');
  })();
  return Promise.race([ready, exit]);
}

describe('the primary killed with SIGKILL while every worker has 100 calls in flight each way', () => {
  it('settles the workers’ pending calls, aborts their handlers, and every worker exits: no orphan is left', async () => {
    const file = reports.file();
    const { pids, primaryPending } = await startPrimary(file);
    workerPids = pids;
    expect(pids).toHaveLength(WORKERS);
    expect(primaryPending).toBe(2 * WORKERS * IN_FLIGHT);
    expect(pids.every(isAlive)).toBe(true);

    const killedAt = Date.now();
    primary?.kill('SIGKILL');
    await waitFor('every worker to exit after the primary died', () => !pids.some(isAlive), 10_000);
    const goneAfterMs = Date.now() - killedAt;

    const lines = readReport(file);
    const exits = lines.filter((line) => line.kind === 'exit');
    expect(exits.map((line) => line.pid).sort()).toEqual([...pids].sort());
    // Each worker's own calls to the primary were settled, each once, with DISCONNECTED, before it exited
    // (the fixture reports a settlement as the rpc makes it, before any awaiting code could run).
    for (const pid of pids) {
      const settled = lines.filter((line) => line.kind === 'settled' && line.pid === pid);
      expect(tally(settled.map((line) => String(line.code))), `worker ${pid}`).toEqual({ DISCONNECTED: IN_FLIGHT });
      expect(new Set(settled.map((line) => line.index)).size, `worker ${pid}`).toBe(IN_FLIGHT);
    }
    for (const line of exits) {
      // The rpc saw the channel close before Node's cluster code ended the process:
      // its table was empty and every handler it served had its ctx.signal aborted.
      expect(line.pending).toBe(0);
      expect(tally(line.aborts as string[])).toEqual({ DISCONNECTED: IN_FLIGHT });
    }
    const exitedAfterMs = Math.max(...exits.map((line) => Number(line.at) - killedAt));
    expect(exitedAfterMs).toBeLessThan(5_000);
    expect(goneAfterMs).toBeLessThan(10_000);
    console.log(
      `[faults] primary SIGKILL: ${WORKERS} workers exited ${exitedAfterMs} ms later, pids gone after ${goneAfterMs} ms; at exit ${JSON.stringify(exits.map((line) => ({ pending: line.pending, aborts: (line.aborts as string[]).length })))}`,
    );
  });
});
