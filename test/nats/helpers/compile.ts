/**
 * The member fixtures, compiled to plain JavaScript once (TypeScript's
 * `transpileModule`, file by file, as `bench/build.ts` does): a process then
 * starts in a few hundred milliseconds instead of the second or more tsx
 * takes to load its hooks and compile `src/`, and the NATS tests start many.
 *
 * Output: node_modules/.cache/cluster-rpc-nats-test/<hash of the inputs>/,
 * reused while no input changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INPUTS = ['src', 'test/fixtures', 'test/nats/fixtures'];

function sources(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  return readdirSync(full).flatMap((entry) => sources(join(path, entry)));
}

let built: string | undefined;

/** The folder of the compiled tree; `<folder>/test/nats/fixtures/member.js` is the member. */
export function compiledTree(): string {
  if (built) return built;
  const files = INPUTS.flatMap(sources).sort();
  const hash = createHash('sha1');
  for (const file of files) hash.update(file).update(readFileSync(file));
  const out = join(ROOT, 'node_modules', '.cache', 'cluster-rpc-nats-test', hash.digest('hex').slice(0, 16));
  if (!existsSync(out)) {
    const staging = `${out}.${process.pid}`;
    for (const file of files) {
      const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
        fileName: file,
      });
      const target = join(staging, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, outputText);
    }
    // Node stops looking for a package.json at node_modules: say the output is ESM.
    writeFileSync(join(staging, 'package.json'), '{ "type": "module", "private": true }\n');
    try {
      renameSync(staging, out);
    } catch {
      // Another test file built the same tree first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  built = out;
  return out;
}

/** The compiled JavaScript of a TypeScript file under the inputs. */
export function compiled(file: string): string {
  return join(compiledTree(), relative(ROOT, file)).replace(/\.ts$/, '.js');
}
