/** The caller's frames on a rejected call's stack (docs/observability.md, "A rejected call's stack"). @module */
import { fileURLToPath, pathToFileURL } from 'node:url';

/** V8 formats `stack` on first read. */
export interface CallerTrace {
  readonly stack?: string;
}

/** The frames above `below` (which is left out, with what it called), as many as `Error.stackTraceLimit` says. */
export function captureCaller(below: (...args: never[]) => unknown): CallerTrace | undefined {
  // Stack traces turned off by the application stay off.
  if (!(Error.stackTraceLimit > 0)) return undefined;
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, below);
  return trace;
}

/** A rejection handler: rethrows `error` with the frames of the `async` functions awaiting it. */
export function rethrowWithAwaiters(error: unknown): never {
  throw error instanceof Error ? withCallerFrames(error, captureCaller(rethrowWithAwaiters)) : error;
}

/** This package's own folder (`src/` or `dist/`), as stack frames name it, by path or by URL. */
const OWN_FOLDER = fileURLToPath(new URL('../', import.meta.url));
const OWN_FOLDER_URL = pathToFileURL(OWN_FOLDER).href;

/** cluster-rpc's, Node's, or a built-in's with no file (`Array.map`). */
function isOwnFrame(line: string): boolean {
  return line.includes(OWN_FOLDER) || line.includes(OWN_FOLDER_URL) || line.includes('(node:') || line.endsWith('(<anonymous>)');
}

function callerFrames(trace: CallerTrace): string {
  const lines = (trace.stack ?? '').split('\n').slice(1);
  let first = 0;
  while (first < lines.length && isOwnFrame(lines[first] as string)) first++;
  return lines.slice(first).join('\n');
}

/** `error.stack` becomes its first line and the caller's frames, formatted on first read; assigning it still works. */
export function withCallerFrames<TError extends Error>(error: TError, trace: CallerTrace | undefined): TError {
  if (trace === undefined) return error;
  const settle = (stack: string): void => {
    Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  };
  Object.defineProperty(error, 'stack', {
    configurable: true,
    enumerable: false,
    get(): string {
      const frames = callerFrames(trace);
      const stack = `${error.name}: ${error.message}${frames === '' ? '' : `\n${frames}`}`;
      settle(stack);
      return stack;
    },
    set: settle,
  });
  return error;
}
