/**
 * The package's entry points, read from the `exports` of package.json: the one
 * list the tests follow, so that adding an entry is a line there (and one in
 * typedoc.json). An entry `./dist/<name>.js` is built from `src/<name>.ts`,
 * with its declarations beside it in `./dist/<name>.d.ts`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PackageEntry {
  /** What users import: `cluster-rpc` or `cluster-rpc/<subpath>`. */
  readonly specifier: string;
  /** The JavaScript the exports map points at, relative to the package: `./dist/….js`. */
  readonly js: string;
  /** Its declarations, found by TypeScript beside it: `./dist/….d.ts`. */
  readonly types: string;
  /** The TypeScript source both are built from, absolute. */
  readonly source: string;
}

interface Manifest {
  readonly name: string;
  readonly exports: Record<string, unknown>;
}

export function packageEntries(): PackageEntry[] {
  const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as Manifest;
  const entries: PackageEntry[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (subpath === './package.json') continue;
    const built = typeof target === 'string' ? /^\.\/dist\/(.+)\.js$/.exec(target) : null;
    if (!built)
      throw new Error(`package.json exports '${subpath}' should be one './dist/….js' path, got ${JSON.stringify(target)}`);
    entries.push({
      specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      js: built[0],
      types: `./dist/${built[1]}.d.ts`,
      source: `${ROOT}src/${built[1]}.ts`,
    });
  }
  return entries;
}
