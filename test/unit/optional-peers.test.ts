/**
 * `@opentelemetry/api` is loaded by `cluster-rpc/otel` only: a fresh process
 * whose module resolution refuses every `@opentelemetry/` package loads every
 * other entry and makes calls, streams and events through a test cluster;
 * the same process fails to load `cluster-rpc/otel`, which shows the refusal
 * works.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { packageEntries } from '../helpers/package-entries.js';

const run = promisify(execFile);
const folder = mkdtempSync(join(tmpdir(), 'cluster-rpc-optional-peers-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const REFUSE_HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) throw new Error('refused to load ' + specifier);
  return next(specifier, context);
}
`;

const REGISTER = `
import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(folder, 'refuse-hooks.mjs')).href)});
`;

/** Loads `sources` in order, then uses the package through a test cluster; prints `ok`. */
function program(sources: readonly string[]): string {
  const url = (source: string) => JSON.stringify(pathToFileURL(source).href);
  const testing = packageEntries().find((entry) => entry.specifier.endsWith('/testing'));
  const root = packageEntries().find((entry) => !entry.specifier.includes('/'));
  if (!testing || !root) throw new Error('no root or testing entry in package.json');
  return `
${sources.map((source) => `await import(${url(source)});`).join('\n')}
const { defineEvents, defineRouter, procedure } = await import(${url(root.source)});
const { createTestCluster } = await import(${url(testing.source)});
const cluster = createTestCluster({
  primary: defineRouter({
    ping: procedure.handler(({ ctx }) => ctx.headers),
    ticks: procedure.stream(async function* () { yield 1; yield 2; }),
  }),
  events: defineEvents({ note: { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } } }),
  workers: 1,
});
const worker = cluster.workers[0];
await worker.call('ping', undefined, { headers: { a: 'b' } });
for await (const tick of worker.stream('ticks')) void tick;
await worker.emit('note', 'n');
await cluster.close();
console.log('ok');
`;
}

async function runWithoutOpenTelemetry(sources: readonly string[]): Promise<string> {
  writeFileSync(join(folder, 'refuse-hooks.mjs'), REFUSE_HOOKS);
  writeFileSync(join(folder, 'register.mjs'), REGISTER);
  const file = join(folder, `program-${sources.length}.mjs`);
  writeFileSync(file, program(sources));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', join(folder, 'register.mjs'), file], {
    timeout: 30_000,
  });
  return stdout.trim();
}

it('every entry but cluster-rpc/otel loads and works without @opentelemetry/api', async () => {
  const others = packageEntries().filter((entry) => !entry.specifier.endsWith('/otel'));
  expect(others.length).toBeGreaterThan(5);
  expect(await runWithoutOpenTelemetry(others.map((entry) => entry.source))).toBe('ok');
}, 40_000);

it('cluster-rpc/otel does load it', async () => {
  const otel = packageEntries().find((entry) => entry.specifier.endsWith('/otel'));
  if (!otel) throw new Error('no cluster-rpc/otel entry in package.json');
  await expect(runWithoutOpenTelemetry([otel.source])).rejects.toThrow(/refused to load @opentelemetry\/api/);
}, 40_000);
