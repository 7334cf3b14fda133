/**
 * Type-checks TypeScript sources with the repository's compiler options, as
 * the type tests and the documentation examples need: from memory (as if the
 * files were in `test/__virtual__/`, so `zod` and `../../src/index.js` resolve
 * as they do for the real tests) or from files in any folder. In both,
 * `cluster-rpc` and its subpaths resolve to the package source.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { packageEntries } from './package-entries.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VIRTUAL_DIR = fileURLToPath(new URL('../__virtual__/', import.meta.url));

/** One compiler complaint about one of the files checked. */
export interface Complaint {
  /** The file's name as given. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/** The options of `tsconfig.json`, without emit, with `cluster-rpc` and each of its subpaths mapped to their source. */
export function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${ROOT}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const paths = Object.fromEntries(packageEntries().map((entry) => [entry.specifier, [entry.source]]));
  return { ...parsed.options, noEmit: true, paths };
}

function complaintsAbout(program: ts.Program, files: readonly string[], nameOf: (path: string) => string): Complaint[] {
  const complaints: Complaint[] = [];
  for (const path of files) {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`${path} did not load`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      complaints.push({
        file: nameOf(path),
        line: line + 1,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return complaints;
}

/**
 * Type-checks `files` held in memory (names relative to the virtual folder,
 * such as `'a.ts'`) in one program; returns every complaint about them.
 */
export function typeCheck(files: Readonly<Record<string, string>>): Complaint[] {
  const sources = new Map(Object.entries(files).map(([name, text]) => [`${VIRTUAL_DIR}${name}`, text]));
  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const text = sources.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, languageVersion, ...rest)
      : ts.createSourceFile(name, text, languageVersion, true);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  return complaintsAbout(program, [...sources.keys()], (path) => path.slice(VIRTUAL_DIR.length));
}

/**
 * Type-checks files on disk (absolute paths) in one program; returns every
 * complaint about them, named by absolute path. `rootDir` is lifted so the
 * files may live outside the repository.
 */
export function typeCheckFiles(paths: readonly string[]): Complaint[] {
  const options: ts.CompilerOptions = { ...compilerOptions(), rootDir: undefined };
  const program = ts.createProgram(paths, options);
  return complaintsAbout(program, paths, (path) => path);
}
