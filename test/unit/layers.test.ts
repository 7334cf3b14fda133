/**
 * The shape of `src/`, checked: every folder is a layer, a module imports
 * only from its own layer and those below it, and no import cycle exists
 * (type-only imports included). The README's "Where things live" names the
 * layers; this is the rule in code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Bottom to top. The entry files at the top of `src/` come last. */
const LAYERS = ['wire', 'transports', 'define', 'metrics', 'engine', 'sides', 'otel', 'cluster', '(entries)'] as const;

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a source file: its first folder under `src/`, or `(entries)` for the files at the top. */
function layerOf(file: string): (typeof LAYERS)[number] {
  const [first, ...rest] = relative(SRC, file).split('/');
  if (rest.length === 0) return '(entries)';
  const layer = LAYERS.find((name) => name === first);
  if (!layer)
    throw new Error(`src/${first}/ is no layer: add it to LAYERS in ${relative(process.cwd(), fileURLToPath(import.meta.url))}`);
  return layer;
}

/** The source files `file` imports, type-only imports and re-exports included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?from\s+'(\.[^']+)'/gm)].map(
    (match) => match[1] as string,
  );
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const files = sources(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('the layers of src/', () => {
  it('knows every folder, and every import names a source file', () => {
    for (const [file, imports] of graph) {
      layerOf(file);
      for (const target of imports) expect(graph.has(target), `${relative(SRC, file)} imports ${target}`).toBe(true);
    }
  });

  it('has no import from a layer above the importer', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (LAYERS.indexOf(layerOf(target)) > LAYERS.indexOf(layerOf(file)))
          upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((each) => relative(SRC, each)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
