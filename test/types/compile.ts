/**
 * Type-checks TypeScript sources held in memory, with the repository's
 * compiler options, as if they were files in `test/__virtual__/` (so `zod`
 * and `../../src/index.js` resolve as they do for the real tests, and
 * `cluster-rpc` resolves to the package source). Nothing is written to disk.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VIRTUAL_DIR = fileURLToPath(new URL('../__virtual__/', import.meta.url));

/** One compiler complaint, located in a virtual file. */
export interface Complaint {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

function compilerOptions(): ts.CompilerOptions {
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
  return { ...parsed.options, noEmit: true, paths: { 'cluster-rpc': [`${ROOT}src/index.ts`] } };
}

/**
 * Type-checks `files` (names relative to the virtual folder, such as
 * `'a.ts'`) in one program and returns every complaint about them.
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
  const complaints: Complaint[] = [];
  for (const name of sources.keys()) {
    const source = program.getSourceFile(name);
    if (!source) throw new Error(`${name} did not load`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      complaints.push({
        file: name.slice(VIRTUAL_DIR.length),
        line: line + 1,
        code: diagnostic.code,
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      });
    }
  }
  return complaints;
}
