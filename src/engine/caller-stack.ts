/**
 * The caller's frames on a rejected call's stack. An error made when the
 * answer arrives (or the timer fires) has only cluster-rpc's and Node's
 * frames. Two ways to put the caller's back, by cost:
 *
 * - a call: nothing is captured while it runs; when it rejects, the trace is
 *   taken in a promise reaction, where V8 finds the `async` functions that
 *   await the call (the line that awaited it, and its callers). A call whose
 *   caller uses `.then` instead gets no frames of its own;
 * - a stream or a `callAll`, made once for many items or calls: the frames
 *   are captured when it is made, sync callers included.
 *
 * Either way V8 formats the trace only when `stack` is first read. Why not
 * capture every call: docs/design.md, "A rejected call's stack".
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A captured trace: V8 formats its `stack` on first read. */
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

/** Rethrows `error` with the frames of the `async` functions awaiting it: a promise's rejection handler. */
export function rethrowWithAwaiters(error: unknown): never {
  throw error instanceof Error ? withCallerFrames(error, captureCaller(rethrowWithAwaiters)) : error;
}

/** This package's own folder (`src/` or `dist/`), as stack frames name it, by path or by URL. */
const OWN_FOLDER = fileURLToPath(new URL('../', import.meta.url));
const OWN_FOLDER_URL = pathToFileURL(OWN_FOLDER).href;

/** True for a frame of cluster-rpc itself, of Node's internals, or of a built-in with no file (`Array.map`). */
function isOwnFrame(line: string): boolean {
  return line.includes(OWN_FOLDER) || line.includes(OWN_FOLDER_URL) || line.includes('(node:') || line.endsWith('(<anonymous>)');
}

/** The caller's frames of `trace`, from the first that is neither cluster-rpc's nor Node's, as stack lines. */
function callerFrames(trace: CallerTrace): string {
  const lines = (trace.stack ?? '').split('\n').slice(1);
  let first = 0;
  while (first < lines.length && isOwnFrame(lines[first] as string)) first++;
  return lines.slice(first).join('\n');
}

/**
 * Makes `error.stack` its first line followed by the caller's frames of
 * `trace`, formatted when the stack is first read; assigning `stack` still works.
 */
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
