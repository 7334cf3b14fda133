/**
 * Compiles `src/` and what `npm run bench` runs to JavaScript in node_modules/.cache/cluster-rpc-bench/, from scratch. Not tsx:
 * its loader thread adds tens of MiB to every RSS and slows the start of 17 processes (bench/README.md).
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
