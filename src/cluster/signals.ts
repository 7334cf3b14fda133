/** Signal handlers that can be taken back, so a stopped manager leaves Node's or the app's handlers in place. @module */

/** Handlers by signal. @internal */
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
