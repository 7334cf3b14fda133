/**
 * The NATS member fixtures (test/nats/fixtures/), the socket ones
 * (test/socket/fixtures/), the PM2 example's app (examples/pm2/) and what they import,
 * compiled to plain JavaScript once (support/transpile.ts): a process then
 * starts in a few hundred milliseconds instead of the second or more tsx
 * takes to load its hooks and compile `src/`, and the NATS tests start many.
 *
 * Output: node_modules/.cache/cluster-rpc-nats-test/<hash of the inputs>/,
 * reused while no input changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpileFiles, typeScriptFiles } from '../../support/transpile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INPUTS = ['src', 'test/fixtures', 'test/nats/fixtures', 'test/socket/fixtures', 'examples/pm2'];

let built: string | undefined;

/** The folder of the compiled tree; `<folder>/test/nats/fixtures/member.js` is the member. */
function compiledTree(): string {
  if (built) return built;
  const files = typeScriptFiles(ROOT, INPUTS);
  const hash = createHash('sha1');
  for (const file of files) hash.update(file).update(readFileSync(file));
  const out = join(ROOT, 'node_modules', '.cache', 'cluster-rpc-nats-test', hash.digest('hex').slice(0, 16));
  if (!existsSync(out)) {
    const staging = `${out}.${process.pid}`;
    transpileFiles(ROOT, files, staging);
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
