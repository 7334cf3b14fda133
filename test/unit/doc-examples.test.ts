/**
 * Every `@example` in `src/` (and every code block of the overview) compiles,
 * and every public export has TSDoc with an example.
 *
 * The examples are written to a temporary folder as modules, where
 * `cluster-rpc` resolves to the package source and `./routers.js` and
 * `./rpc.js` are the modules the overview teaches users to write (routers,
 * events and the rpc object of the public contract), then type-checked with
 * the TypeScript compiler API.
 * A failure names the source file and line of the example.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { compilerOptions, ROOT, typeCheckFiles } from '../types/compile.js';

/**
 * The modules examples may import, as the overview teaches users to lay them
 * out: `./routers.js` defines the routers and events of the public contract,
 * `./rpc.js` re-exports them with the rpc object made from them.
 */
const SUPPORT_MODULES: Record<string, string> = {
  'routers.ts': `
import { z } from 'zod';
import { defineEvents, defineRouter, procedure } from 'cluster-rpc';

let hits = 0;
export const primaryRouter = defineRouter({
  hits: {
    increment: procedure
      .input(z.object({ by: z.number().int().positive() }))
      .output(z.number())
      .handler(({ input }) => (hits += input.by)),
  },
  now: procedure.handler(() => new Date()),
});

export const workerRouter = defineRouter({
  stats: procedure.handler(({ ctx }) => ({ pid: process.pid, requestId: ctx.requestId })),
});

export const events = defineEvents({
  configChanged: z.object({ key: z.string(), value: z.string() }),
  requestServed: z.object({ path: z.string(), ms: z.number() }),
  flush: z.void(),
});
`,
  'rpc.ts': `
import { createClusterRpc } from 'cluster-rpc';
import { events, primaryRouter, workerRouter } from './routers.js';

export { events, primaryRouter, workerRouter };
export const rpc = createClusterRpc({ primary: primaryRouter, worker: workerRouter, events });
`,
};

interface Example {
  /** Relative to the repository, such as `src/router.ts`. */
  readonly file: string;
  /** The 1-based line in `file` of the example's first code line. */
  readonly line: number;
  readonly code: string;
}

function sourceFiles(): string[] {
  return readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(ROOT, 'src', name))
    .sort();
}

/**
 * The fenced TypeScript blocks of every doc comment in `path`: those under
 * `@example` tags, and all of them in the `@packageDocumentation` comment (the
 * overview).
 */
function examplesIn(path: string): Example[] {
  const file = relative(ROOT, path);
  const examples: Example[] = [];
  const text = readFileSync(path, 'utf8');
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*(\/\*\*|\*\/|\*)? ?/, '').replace(/\s*\*\/$/, ''));
    const isOverview = lines.some((line) => line.trim() === '@packageDocumentation');
    let inExample = false;
    /** The open fence, if any; `keep` when its code is an example to check. */
    let fence: { keep: boolean; line: number; code: string[] } | undefined;
    lines.forEach((line, index) => {
      const trimmed = line.trim();
      if (fence) {
        if (trimmed.startsWith('```')) {
          if (fence.keep) examples.push({ file, line: fence.line, code: fence.code.join('\n') });
          fence = undefined;
        } else {
          fence.code.push(line);
        }
      } else if (trimmed.startsWith('```')) {
        const typescript = /^```(ts|typescript)$/.test(trimmed);
        fence = { keep: typescript && (inExample || isOverview), line: firstLine + index + 1, code: [] };
      } else if (/^@\w+/.test(trimmed)) {
        inExample = trimmed.startsWith('@example');
      }
    });
  }
  return examples;
}

const examples = sourceFiles().flatMap(examplesIn);
const folder = mkdtempSync(join(tmpdir(), 'cluster-rpc-doc-examples-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('documentation examples', () => {
  test('are found in the sources, the overview included', () => {
    expect(examples.length).toBeGreaterThan(40);
    expect(examples.filter((example) => example.file === join('src', 'index.ts')).length).toBeGreaterThanOrEqual(5);
  });

  test('every @example compiles as a module against the package source', () => {
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
    for (const [name, text] of Object.entries(SUPPORT_MODULES)) writeFileSync(join(folder, name), text);
    const byPath = new Map<string, Example>();
    for (const example of examples) {
      const path = join(folder, `${example.file.replaceAll('/', '__')}__${example.line}.ts`);
      // `export {}` keeps an example without imports a module, so their names do not clash.
      writeFileSync(path, `${example.code}\nexport {};\n`);
      byPath.set(path, example);
    }
    const support = Object.keys(SUPPORT_MODULES).map((name) => join(folder, name));
    const complaints = typeCheckFiles([...support, ...byPath.keys()]);
    const report = complaints.map((complaint) => {
      const example = byPath.get(complaint.file);
      const where = example ? `${example.file}:${example.line + complaint.line - 1}` : relative(folder, complaint.file);
      return `${where}: TS${complaint.code} ${complaint.message}`;
    });
    expect(report).toEqual([]);
  });
});

describe('public exports', () => {
  const program = ts.createProgram([join(ROOT, 'src/index.ts')], compilerOptions());
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(ROOT, 'src/index.ts'));
  const moduleSymbol = index && checker.getSymbolAtLocation(index);
  const exported = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];

  const declarationOf = (symbol: ts.Symbol): ts.Declaration | undefined => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.declarations?.[0];
  };

  test('are found', () => {
    expect(exported.length).toBeGreaterThan(30);
  });

  test('each has TSDoc with an @example', () => {
    const missing: string[] = [];
    for (const symbol of exported) {
      const declaration = declarationOf(symbol);
      if (!declaration) {
        missing.push(`${symbol.name}: no declaration found`);
        continue;
      }
      const where = `${relative(ROOT, declaration.getSourceFile().fileName)} ${symbol.name}`;
      if (ts.getJSDocCommentsAndTags(declaration).length === 0) missing.push(`${where}: no TSDoc`);
      const hasExample = ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example');
      if (!hasExample) missing.push(`${where}: no @example`);
    }
    expect(missing).toEqual([]);
  });
});
