/**
 * Compiles TypeScript to plain JavaScript file by file (TypeScript's
 * `transpileModule`: no type check, that is `npm run typecheck`'s job), for
 * processes that should start without tsx: the benchmark's (tsx's loader
 * thread would add to every RSS figure) and the NATS tests' members (tsx
 * would add a second or more to each start).
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/** The `.ts` files (not `.d.ts`) under each of `inputs` (files or folders, relative to `root`), sorted. */
export function typeScriptFiles(root: string, inputs: readonly string[]): string[] {
  const walk = (full: string): string[] => {
    if (!existsSync(full)) return [];
    if (statSync(full).isFile()) return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
    return readdirSync(full).flatMap((entry) => walk(join(full, entry)));
  };
  return inputs.flatMap((input) => walk(join(root, input))).sort();
}

/**
 * Writes each of `files` as JavaScript to the same path relative to `root` under `outDir`, plus a
 * package.json saying the tree is ESM (Node stops looking for one at node_modules). Returns the
 * syntax errors found, one line each.
 */
export function transpileFiles(root: string, files: readonly string[], outDir: string): string[] {
  const errors: string[] = [];
  for (const file of files) {
    const result = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
      fileName: file,
      reportDiagnostics: true,
    });
    for (const diagnostic of result.diagnostics ?? []) {
      errors.push(`${relative(root, file)}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    }
    const target = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, result.outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module", "private": true }\n');
  return errors;
}
