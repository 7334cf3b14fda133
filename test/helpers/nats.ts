/**
 * The NATS suites run where a nats-server binary is (see support/nats-server.ts).
 * Without one they are skipped with one line saying how to install it, unless
 * `CI=true`, where they fail.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { NATS_INSTALL_HINT, natsServerBinary } from '../../support/nats-server.js';

/** The nats-server binary the suites use, or `undefined`. */
export const NATS_SERVER_BIN = natsServerBinary();

let skipNoticeShown = false;

/**
 * `describe`, when a nats-server binary is there. Otherwise: skipped with one
 * line on stderr, or (under CI) one failing test saying what is missing.
 */
export function describeNats(name: string, body: () => void): void {
  if (NATS_SERVER_BIN) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs nats-server', () => {
        throw new Error(`nats-server was not found on PATH (nor NATS_SERVER_BIN): ${NATS_INSTALL_HINT}`);
      });
    });
    return;
  }
  if (!skipNoticeShown && firstInThisRun())
    process.stderr.write(`NATS tests skipped: nats-server not found; ${NATS_INSTALL_HINT}\n`);
  skipNoticeShown = true;
  describe.skip(name, body);
}

/** True in the first test file of this Vitest run to ask (its files run in processes of one parent), so the notice shows once. */
function firstInThisRun(): boolean {
  try {
    writeFileSync(join(tmpdir(), `cluster-rpc-nats-skip-notice-${process.ppid}`), '', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}
