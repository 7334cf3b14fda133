/**
 * The NATS cluster example runs as its README says: a status line with every
 * worker joined and jobs done, and Ctrl-C stops it cleanly.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeNats, NATS_SERVER_BIN } from '../../test/helpers/nats.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describeNats('examples/nats-cluster', () => {
  it('prints status lines with both workers joined and jobs done, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, WORKERS: '2', STATUS_EVERY_MS: '500', NATS_SERVER_BIN: NATS_SERVER_BIN ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect
        .poll(() => /\[status\] workers 2 \| [1-9]\d* jobs\/s \| \d+ done \| #1 pid \d+@\S+ p99 [\d.]+ ms \| #2 /.test(output), {
          timeout: 25_000,
          interval: 200,
        })
        .toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).not.toMatch(/failed|Error/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
