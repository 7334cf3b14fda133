/**
 * Primary and worker processes of a NATS cluster (or of a socket path, for
 * test/socket), started with `child_process` (no `cluster.fork()`: over NATS
 * each process is started however one likes and says its role). They print one JSON object a line
 * on stdout; the test reads them, and can send commands as JSON lines on
 * stdin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiled } from './compiled-fixtures.js';

const MEMBER = fileURLToPath(new URL('../nats/fixtures/member.ts', import.meta.url));
const APP_WORKER = fileURLToPath(new URL('../nats/fixtures/app-worker.ts', import.meta.url));

export type Line = Record<string, unknown>;

export interface MemberOptions {
  readonly role: 'primary' | 'worker';
  /** The NATS servers and cluster name (not for the socket fixtures). */
  readonly servers?: readonly string[];
  readonly cluster?: string;
  readonly livenessMs?: number;
  /** Extra environment (the fixture's modes and credentials). */
  readonly env?: Record<string, string>;
  /** Run a worker of this app (test/nats/fixtures/app-worker.ts) instead of the default member (member.ts). */
  readonly app?: 'calls' | 'streams' | 'metrics' | 'tracing';
  /** A fixture of its own instead (a TypeScript file under test/socket/fixtures/), compiled like the others. */
  readonly script?: string;
}

/** A member process and what it printed. */
export class Member {
  readonly process: ChildProcess;
  readonly lines: Line[] = [];
  readonly #waiters: Array<{ test: (line: Line) => boolean; resolve: (line: Line) => void }> = [];
  #stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(options: MemberOptions) {
    this.process = spawn(process.execPath, [compiled(options.script ?? (options.app ? APP_WORKER : MEMBER))], {
      env: {
        ...process.env,
        CLUSTER_RPC_ROLE: options.role,
        NATS_URLS: (options.servers ?? []).join(','),
        NATS_CLUSTER: options.cluster ?? '',
        LIVENESS_MS: String(options.livenessMs ?? 1000),
        ...(options.app ? { NATS_APP: options.app } : {}),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    members.add(this);
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        members.delete(this);
        resolve({ code, signal });
      }),
    );
    let buffered = '';
    this.process.stdout?.setEncoding('utf8');
    this.process.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) this.#line(part);
    });
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
  }

  #line(text: string): void {
    if (!text.startsWith('{')) return;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return;
    }
    this.lines.push(line);
    for (const waiter of [...this.#waiters]) {
      if (waiter.test(line)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The first line (already printed or to come) with `event`, and `match` if given. */
  next(event: string, withinMs = 15_000, match: (line: Line) => boolean = () => true): Promise<Line> {
    const test = (line: Line): boolean => line.event === event && match(line);
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`no '${event}' line within ${withinMs} ms; lines: ${JSON.stringify(this.lines)}; stderr: ${this.#stderr}`),
        );
      }, withinMs);
      this.#waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void this.exited.then(() => {
        if (this.#waiters.some((waiter) => waiter.test === test)) {
          clearTimeout(timer);
          reject(new Error(`exited without a '${event}' line; lines: ${JSON.stringify(this.lines)}; stderr: ${this.#stderr}`));
        }
      });
    });
  }

  /** Sends a command line to the fixture. */
  command(command: Line): void {
    this.process.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** Sends `signal` and, unless it only pauses or resumes, waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill(signal);
    if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await this.exited;
  }
}

const members = new Set<Member>();

/** Starts a member process. */
export function startMember(options: MemberOptions): Member {
  return new Member(options);
}

/** Kills every member still running (resuming stopped ones first) and waits for them. */
export async function killAllMembers(): Promise<void> {
  await Promise.all(
    [...members].map(async (member) => {
      member.process.kill('SIGCONT');
      await member.kill('SIGKILL');
    }),
  );
}
