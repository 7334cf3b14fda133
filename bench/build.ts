/**
 * Compiles cluster-rpc's `src/` and the benchmark to plain JavaScript for
 * `npm run bench`, file by file (TypeScript's `transpileModule`: no type
 * check, that is `npm run typecheck`'s job, so a type error elsewhere in the
 * tree does not stop a measurement).
 *
 * Why not run the benchmark through tsx: tsx's loader hooks run on an extra
 * thread in every process and add tens of MiB to every RSS figure, and
 * seventeen processes take seconds longer to start. Compiled, the processes
 * run what a user of the published package runs.
 *
 * Output: node_modules/.cache/cluster-rpc-bench/ (git-ignored), rebuilt from
 * scratch each time.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'cluster-rpc-bench');
/** What the benchmark runs: the library, and the benchmark's own entry points and modules (not soak.ts). */
const inputs = ['src', 'bench/main.ts', 'bench/worker.ts', 'bench/fanout-probe.ts', 'bench/steady.ts', 'bench/lib'];

function sources(path: string): string[] {
  const full = join(root, path);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((entry) => sources(join(path, entry)));
}

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  sourceMap: false,
};

rmSync(outDir, { recursive: true, force: true });
let failed = 0;
let count = 0;
for (const file of inputs.flatMap(sources)) {
  if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
  const result = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file, reportDiagnostics: true });
  for (const diagnostic of result.diagnostics ?? []) {
    failed++;
    console.error(`${relative(root, file)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  }
  const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, result.outputText);
  count++;
}
// Node stops looking for a package.json at node_modules, so the output says it is ESM itself.
writeFileSync(join(outDir, 'package.json'), '{ "type": "module", "private": true }\n');
if (failed > 0) {
  console.error(`bench build: ${failed} syntax error(s)`);
  process.exit(1);
}
console.log(`bench build: ${count} files compiled to ${relative(root, outDir)}`);
