/** Errors no caller sees in full (a handler's, a stream's, a listener's), told to `onError` where they happened. @module */
import type { PeerInfo } from '../transports/transport.js';
import { messageOf } from '../wire/errors.js';

/**
 * Where an error reported to `onError` happened: its second argument.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * export const rpc = createClusterRpc({ onError: (error, where) => console.error(`${where.kind} ${where.path}`, error) });
 * ```
 * @group Errors
 */
export interface ErrorSite {
  /** The process where it was thrown. */
  readonly side: 'primary' | 'worker';
  /** What threw: a call's handler or middleware, a stream, or a listener (of an event or of membership). */
  readonly kind: 'call' | 'stream' | 'event';
  /** The procedure's path, the event's name, or `'onWorkers'` / `'onPrimary'`. */
  readonly path: string;
  /** Who made the call or sent the event; absent for a membership listener. */
  readonly caller?: PeerInfo;
}

export type ErrorReporter = (error: unknown, where: ErrorSite) => void;

type OnErrorOption = ((error: unknown, where: ErrorSite) => void) | false;

function reportToConsole(error: unknown, where: ErrorSite): void {
  console.error(`[cluster-rpc] ${where.kind} '${where.path}' failed on the ${where.side}:`, error);
}

function ignore(): void {}

/** Listener errors go to the deprecated `onListenerError` when given; a reporter that throws breaks nothing. */
export function errorReporter(
  onError: OnErrorOption | undefined,
  onListenerError: ((error: unknown, event: string) => void) | undefined,
): ErrorReporter {
  const report: ErrorReporter = onError === false ? ignore : (onError ?? reportToConsole);
  return (error, where) => {
    try {
      // Event listeners are the ones with a sender; membership listeners have none.
      const result: unknown =
        onListenerError && where.kind === 'event' && where.caller !== undefined
          ? onListenerError(error, where.path)
          : report(error, where);
      if (result instanceof Promise) result.catch(reporterFailed);
    } catch (reporterError) {
      reporterFailed(reporterError);
    }
  };
}

function reporterFailed(error: unknown): void {
  console.error(`[cluster-rpc] onError threw: ${messageOf(error)}`);
}
