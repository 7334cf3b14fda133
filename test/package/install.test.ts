/**
 * The package as users get it: built, packed, installed from the tarball into
 * a fresh folder (with its peers zod and, for cluster-rpc/otel, @opentelemetry/api), then used from ESM (`import`) and from
 * CommonJS (`require()`, which Node 20.19+ allows for ESM-only packages) in a
 * real cluster: the primary forks one worker and each side calls the other.
 * Every entry point loads both ways; the README's first program runs there as
 * written, with the output the README shows; a TypeScript module that exports
 * its routers and rpc object compiles with declarations against it.
 *
 * The build goes to a staging folder, so the repository's own `dist/` is
 * neither used nor touched. Dependencies come from npm's local cache when they
 * are there (`--prefer-offline`), from the registry otherwise.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contractRoutersSource } from '../helpers/contract-source.js';
import { packageEntries } from '../helpers/package-entries.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const folder = realpathSync(mkdtempSync(join(tmpdir(), 'cluster-rpc-install-')));
const staging = join(folder, 'staging');
const app = join(folder, 'app');

/** The same program twice, once per module system; only the first lines differ. */
function clusterProgram(imports: string): string {
  return `${imports}
// The primary doubles numbers; each worker says who it is and who called.
const rpc = createClusterRpc({
  primary: defineRouter({
    double: procedure.input(z.number()).handler(({ input }) => input * 2),
    report: procedure.input(z.object({ doubled: z.number(), rejectedWith: z.string() })).handler(({ input }) => {
      reported(input);
    }),
  }),
  worker: defineRouter({
    whoami: procedure.handler(({ ctx }) => ({ pid: process.pid, caller: ctx.caller.side, at: new Date(0) })),
  }),
});

let reported;
const fromWorkerReport = new Promise((resolve) => { reported = resolve; });

async function primary() {
  const watchdog = setTimeout(() => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(2); }, 20000);
  const worker = cluster.fork();
  try {
    const whoami = await rpc.primary.call(worker, 'whoami');
    const report = await fromWorkerReport;
    console.log(JSON.stringify({
      resolved: resolvedFrom,
      workerPid: worker.process.pid,
      whoami: { pid: whoami.pid, caller: whoami.caller, atIsDate: whoami.at instanceof Date, at: whoami.at.getTime() },
      report,
    }));
  } finally {
    worker.kill();
    await rpc.close();
    clearTimeout(watchdog);
  }
}

async function worker() {
  const doubled = await rpc.worker.call('double', 21);
  const rejectedWith = await rpc.worker.call('double', 'not a number').then(
    () => 'nothing',
    (error) => (error instanceof RpcError ? error.code : 'not an RpcError'),
  );
  await rpc.worker.call('report', { doubled, rejectedWith });
}

(cluster.isPrimary ? primary() : worker()).catch((error) => {
  console.error(error);
  process.exit(1);
});
`;
}

const ESM_PROGRAM = clusterProgram(`import cluster from 'node:cluster';
import { z } from 'zod';
import { createClusterRpc, defineRouter, procedure, RpcError } from 'cluster-rpc';
const resolvedFrom = import.meta.resolve('cluster-rpc');`);

const CJS_PROGRAM = clusterProgram(`'use strict';
const cluster = require('node:cluster');
const { z } = require('zod');
const { createClusterRpc, defineRouter, procedure, RpcError } = require('cluster-rpc');
const resolvedFrom = require.resolve('cluster-rpc');`);

interface Outcome {
  resolved: string;
  workerPid: number;
  whoami: { pid: number; caller: string; atIsDate: boolean; at: number };
  report: { doubled: number; rejectedWith: string };
}

async function runProgram(name: string): Promise<Outcome> {
  const { stdout } = await run(process.execPath, [name], { cwd: app, timeout: 25_000 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Outcome;
}

let packedFiles: string[] = [];

beforeAll(async () => {
  // Build into the staging folder, next to what `files` ships, and pack that.
  await run(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(staging, 'dist'),
  ]);
  for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'])
    copyFileSync(join(ROOT, file), join(staging, file));
  // The docs folder but its generated API pages: the tarball then shows that `docs/*.md` ships the design documents
  // and not the stylesheet beside them.
  cpSync(join(ROOT, 'docs'), join(staging, 'docs'), { recursive: true, filter: (source) => source !== join(ROOT, 'docs/api') });
  const { stdout } = await run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', folder], { cwd: staging });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!packed) throw new Error(`npm pack said nothing useful: ${stdout}`);
  packedFiles = packed.files.map((file) => file.path);

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  await run(
    NPM,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      join(folder, packed.filename),
      'zod@^4',
      '@opentelemetry/api@^1',
    ],
    { cwd: app, timeout: 120_000 },
  );
  writeFileSync(join(app, 'esm.mjs'), ESM_PROGRAM);
  writeFileSync(join(app, 'cjs.cjs'), CJS_PROGRAM);
}, 150_000);

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the packed tarball', () => {
  test('holds only the built JavaScript, declarations and maps, the README, the CHANGELOG, the design documents, the LICENSE and package.json', () => {
    const unexpected = packedFiles.filter(
      (path) =>
        !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(path) &&
        !/^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(path) &&
        !/^docs\/[^/]+\.md$/.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles).toContain('dist/index.js');
    expect(packedFiles).toContain('dist/index.d.ts');
    // README and TSDoc links point at these, so they must resolve inside the installed package.
    expect(packedFiles).toContain('CHANGELOG.md');
    expect(packedFiles).toContain('docs/design.md');
  });

  test('installs with its dependencies, and every entry of its exports map points at what was packed', () => {
    const entries = packageEntries();
    expect(entries.map((entry) => entry.specifier)).toContain('cluster-rpc');
    for (const entry of entries) {
      expect(packedFiles).toContain(entry.js.replace(/^\.\//, ''));
      expect(packedFiles).toContain(entry.types.replace(/^\.\//, ''));
    }
  });

  test('every entry point loads from ESM and from require()', async () => {
    const specifiers = packageEntries().map((entry) => entry.specifier);
    const load = `const specifiers = ${JSON.stringify(specifiers)};`;
    writeFileSync(
      join(app, 'entries.mjs'),
      `${load}\nfor (const s of specifiers) console.log(s, import.meta.resolve(s), Object.keys(await import(s)).length);\n`,
    );
    writeFileSync(
      join(app, 'entries.cjs'),
      `${load}\nfor (const s of specifiers) console.log(s, require.resolve(s), Object.keys(require(s)).length);\n`,
    );
    for (const program of ['entries.mjs', 'entries.cjs']) {
      const { stdout } = await run(process.execPath, [program], { cwd: app, timeout: 20_000 });
      const lines = stdout.trim().split('\n');
      expect(lines.map((line) => line.split(' ')[0])).toEqual(specifiers);
      for (const line of lines) expect(line.split(' ')[1]).toContain(join(app, 'node_modules', 'cluster-rpc', 'dist'));
    }
  });
});

describe.each([
  ['ESM (import)', 'esm.mjs'],
  ['CommonJS (require)', 'cjs.cjs'],
])('used from %s in a real cluster', (_, program) => {
  test('resolves to the installed package; the primary calls the worker and the worker calls the primary', async () => {
    const outcome = await runProgram(program);
    expect(outcome.resolved).toContain(join(app, 'node_modules', 'cluster-rpc'));
    // primary -> worker: the worker answered, with a Date that crossed the channel as a Date
    expect(outcome.whoami).toEqual({ pid: outcome.workerPid, caller: 'primary', atIsDate: true, at: 0 });
    // worker -> primary: a result, and a validation failure that arrives as an RpcError
    expect(outcome.report).toEqual({ doubled: 42, rejectedWith: 'BAD_REQUEST' });
  });
});

/** The README's first program: its file name, its code, and the output it shows. */
function firstProgram(): { file: string; code: string; command: string; output: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- section:first-program -->([\s\S]*?)<!-- \/section:first-program -->/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no first-program section');
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  const shown = /```console\n\$ (.+)\n([\s\S]*?)```/.exec(section);
  if (!code || !shown?.[1] || shown[2] === undefined)
    throw new Error('the first-program section needs a js block and a console block');
  const command = shown[1];
  const file = /^node (\S+)$/.exec(command)?.[1];
  if (!file) throw new Error(`the first program's command should be \`node <file>\`, not \`${command}\``);
  return { file, code, command, output: shown[2] };
}

describe("the README's first program", () => {
  const program = firstProgram();

  test('names the file it is saved as', () => {
    expect(program.file).toMatch(/\.mjs$/);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`Save this as \`${program.file}\``);
  });

  test('runs as written with the installed package, prints what the README shows, and exits by itself', async () => {
    writeFileSync(join(app, program.file), program.code);
    // A program that did not end would be killed at the timeout, and the call would reject.
    const { stdout, stderr } = await run(process.execPath, [program.file], { cwd: app, timeout: 20_000 });
    expect(stdout).toBe(program.output);
    expect(stderr).toBe('');
  });
});

describe('types for a TypeScript user with declaration: true', () => {
  test('modules exporting routers, events, the rpc object and a manager compile against the installed package, as ESM and as CommonJS', async () => {
    const folder = join(app, 'typed');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'routers.mts'), contractRoutersSource());
    writeFileSync(
      join(folder, 'rpc.mts'),
      `import { z } from 'zod';
import { createClusterRpc, procedure } from 'cluster-rpc';
import { events, primaryRouter, workerRouter } from './routers.mjs';

export { events, primaryRouter, workerRouter };
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events });
export const primaryOnly = () => createClusterRpc({ primary: primaryRouter });
// A builder shared by several procedures, exported: its type names the unset output.
export const withKey = procedure.input(z.object({ key: z.string() }));
`,
    );
    writeFileSync(
      join(folder, 'cluster.mts'),
      `import { createClusterManager, serveWorker } from 'cluster-rpc/cluster';
import { rpc } from './rpc.mjs';

export const manager = createClusterManager({ rpc, signals: false });
export const serve = (server: import('node:net').Server) => serveWorker({ server, rpc });
`,
    );
    writeFileSync(
      join(folder, 'testing.mts'),
      `import { createTestCluster } from 'cluster-rpc/testing';
import { events, primaryRouter, workerRouter } from './rpc.mjs';

export const cluster = createTestCluster({ primary: primaryRouter, worker: workerRouter, events, workers: 2 });
`,
    );
    // CommonJS: these imports compile to require(), which TypeScript allows for ES modules under NodeNext.
    writeFileSync(
      join(folder, 'required.cts'),
      `import { createClusterRpc, defineRouter, procedure } from 'cluster-rpc';
import { createClusterManager } from 'cluster-rpc/cluster';

export const rpc = createClusterRpc({ primary: defineRouter({ ping: procedure.handler(() => 'pong') }) });
export const manager = createClusterManager({ rpc, signals: false });
`,
    );
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          declaration: true,
          emitDeclarationOnly: true,
          outDir: 'out',
          rootDir: '.',
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['routers.mts', 'rpc.mts', 'cluster.mts', 'testing.mts', 'required.cts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', folder], { cwd: folder, timeout: 60_000 }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(compiled).toBe('ok');
    expect(existsSync(join(folder, 'out/rpc.d.mts'))).toBe(true);
    expect(existsSync(join(folder, 'out/required.d.cts'))).toBe(true);
  });
});
