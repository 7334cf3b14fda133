/**
 * Every `@example` in `src/`, every code block of an entry's overview, and
 * every TypeScript or JavaScript block of the README compiles; every export of
 * every entry point has TSDoc with an example, and lives in one entry only.
 *
 * The examples are written to a temporary folder as modules, where
 * `cluster-rpc` and its subpaths resolve to the package source and
 * `./routers.js` and `./rpc.js` are the modules users write (routers, events
 * and the rpc object of the public contract), then type-checked with the
 * TypeScript compiler API.
 * A failure names the source file and line of the example.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { contractRoutersSource } from '../helpers/contract-source.js';
import { packageEntries } from '../helpers/package-entries.js';
import { compilerOptions, ROOT, typeCheckFiles } from '../helpers/type-check.js';

/**
 * The modules examples may import: `./routers.js` defines the routers and
 * events of the public contract (test/fixtures/contract-routers.ts), `./rpc.js`
 * re-exports them with the rpc object made from them.
 */
const SUPPORT_MODULES: Record<string, string> = {
  'routers.ts': contractRoutersSource(),
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
  /**
   * For a README block that opens with a comment naming its file (`// routers.ts`): that name, and
   * the section it is in. Such blocks form one small project per section, next to the support
   * modules, and may import each other.
   */
  readonly module?: { readonly name: string; readonly section: string };
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

/** The fenced `ts`, `typescript` and `js` blocks of a Markdown file. */
function markdownExamples(path: string): Example[] {
  const file = relative(ROOT, path);
  const examples: Example[] = [];
  let section = '';
  let fence: { keep: boolean; line: number; code: string[] } | undefined;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (fence) {
        if (line.trim().startsWith('```')) {
          if (fence.keep) {
            const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(fence.code[0] ?? '')?.[1];
            const code = fence.code.join('\n');
            examples.push({ file, line: fence.line, code, ...(name ? { module: { name, section } } : {}) });
          }
          fence = undefined;
        } else {
          fence.code.push(line);
        }
      } else if (line.trim().startsWith('```')) {
        fence = { keep: /^```(ts|typescript|js)\b/.test(line.trim()), line: index + 2, code: [] };
      } else {
        section = /^<!-- section:([\w-]+) -->/.exec(line)?.[1] ?? section;
      }
    });
  return examples;
}

const sourceExamples = sourceFiles().flatMap(examplesIn);
const readmeExamples = markdownExamples(join(ROOT, 'README.md'));
const examples = [...sourceExamples, ...readmeExamples];
const folder = mkdtempSync(join(tmpdir(), 'cluster-rpc-doc-examples-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('documentation examples', () => {
  test('are found in the sources and the README; every entry point has an overview', () => {
    expect(sourceExamples.length).toBeGreaterThan(40);
    for (const entry of packageEntries()) {
      expect(readFileSync(entry.source, 'utf8'), `${entry.specifier} has an overview`).toContain('@packageDocumentation');
    }
    expect(readmeExamples.length).toBeGreaterThanOrEqual(3);
  });

  test('every @example compiles as a module against the package source', () => {
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
    for (const [name, text] of Object.entries(SUPPORT_MODULES)) writeFileSync(join(folder, name), text);
    const byPath = new Map<string, Example>();
    const support = Object.keys(SUPPORT_MODULES).map((name) => join(folder, name));
    const projectOf = (module: NonNullable<Example['module']>) => join(folder, 'readme', module.section);
    const named = examples.flatMap((example) => (example.module ? [example.module] : []));
    for (const project of new Set(named.map(projectOf))) {
      // Named blocks bring their own modules; the support modules join them only when none is replaced.
      mkdirSync(project, { recursive: true });
      const replaces = named.some((module) => projectOf(module) === project && module.name in SUPPORT_MODULES);
      for (const [name, text] of replaces ? [] : Object.entries(SUPPORT_MODULES)) {
        writeFileSync(join(project, name), text);
        support.push(join(project, name));
      }
    }
    for (const example of examples) {
      if (example.module) {
        const path = join(projectOf(example.module), example.module.name);
        writeFileSync(path, `${example.code}\nexport {};\n`);
        byPath.set(path, example);
        continue;
      }
      const path = join(folder, `${example.file.replaceAll('/', '__')}__${example.line}.ts`);
      // `export {}` keeps an example without imports a module, so their names do not clash.
      writeFileSync(path, `${example.code}\nexport {};\n`);
      byPath.set(path, example);
    }
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
  const entries = packageEntries();
  const program = ts.createProgram(
    entries.map((entry) => entry.source),
    compilerOptions(),
  );
  const checker = program.getTypeChecker();
  const exportsOf = (path: string): ts.Symbol[] => {
    const file = program.getSourceFile(path);
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    return moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
  };
  const byEntry = new Map(entries.map((entry) => [entry.specifier, exportsOf(entry.source)]));
  const exported = [...byEntry.values()].flat();

  const declarationOf = (symbol: ts.Symbol): ts.Declaration | undefined => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.declarations?.[0];
  };

  test('are found in every entry point', () => {
    for (const [specifier, symbols] of byEntry) expect(symbols.length, specifier).toBeGreaterThan(0);
    expect(byEntry.get('cluster-rpc')?.map((symbol) => symbol.name)).toEqual(
      expect.arrayContaining(['createClusterRpc', 'defineRouter', 'procedure', 'defineEvents', 'RpcError', 'RPC_ERROR_CODES']),
    );
  });

  test('each name has one home: no entry re-exports what another exports', () => {
    const homes = new Map<string, string[]>();
    for (const [specifier, symbols] of byEntry) {
      for (const symbol of symbols) homes.set(symbol.name, [...(homes.get(symbol.name) ?? []), specifier]);
    }
    expect([...homes].filter(([, where]) => where.length > 1)).toEqual([]);
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
