/** Which signals a process can handle, and handlers that can be taken back so a stopped manager leaves Node's or the app's in place. @module */
import os from 'node:os';

export type SignalHandlers = Partial<Record<NodeJS.Signals, (signal: NodeJS.Signals) => void>>;

/** Installs `handlers` on `process`; returns the function that removes them (safe to call twice). @internal */
export function handleSignals(handlers: SignalHandlers): () => void {
  const installed: Array<[NodeJS.Signals, (signal: NodeJS.Signals) => void]> = [];
  for (const [signal, handler] of Object.entries(handlers) as Array<[NodeJS.Signals, (signal: NodeJS.Signals) => void]>) {
    process.on(signal, handler);
    installed.push([signal, handler]);
  }
  return () => {
    for (const [signal, handler] of installed.splice(0)) process.off(signal, handler);
  };
}

/** No process can catch these: `process.on` throws `EINVAL`. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);
/** Node's docs: unless raised with kill(2) they leave the process where calling JavaScript is unsafe. */
const FAULTS = new Set(['SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGILL']);

/** Why `name` cannot be one of the manager's signals: `process.on` takes a misspelt name without a word. @internal */
export function signalProblem(name: string): string | undefined {
  if (UNCATCHABLE.has(name)) return 'no process can handle it';
  if (FAULTS.has(name)) return 'Node cannot run JavaScript safely on it';
  if (Object.hasOwn(os.constants.signals, name)) return undefined;
  const guess = name.toUpperCase().startsWith('SIG') ? name.toUpperCase() : `SIG${name.toUpperCase()}`;
  const hint = Object.hasOwn(os.constants.signals, guess) && !signalProblem(guess) ? ` (did you mean '${guess}'?)` : '';
  return `it is not a signal on ${process.platform}${hint}`;
}
