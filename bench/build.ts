/**
 * Compiles cluster-rpc's `src/` and what `npm run bench` runs to plain JavaScript (support/transpile.ts), into
 * node_modules/.cache/cluster-rpc-bench/ (git-ignored), rebuilt from scratch each time.
 *
 * Why not run the benchmark through tsx: tsx's loader hooks run on an extra thread in every process and add tens of MiB to every
 * RSS figure, and seventeen processes take seconds longer to start. Compiled, the processes run what a user of the published
 * package runs.
 */
import { rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpileFiles, typeScriptFiles } from '../support/transpile.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'cluster-rpc-bench');
/** What the benchmark runs: the library, the benchmark's entry points and modules (not soak.ts), the servers it starts. */
const inputs = ['src', 'bench/main.ts', 'bench/worker.ts', 'bench/lib', 'support'];

rmSync(outDir, { recursive: true, force: true });
const files = typeScriptFiles(root, inputs);
const errors = transpileFiles(root, files, outDir);
for (const error of errors) console.error(error);
if (errors.length > 0) {
  console.error(`bench build: ${errors.length} syntax error(s)`);
  process.exit(1);
}
console.log(`bench build: ${files.length} files compiled to ${relative(root, outDir)}`);
