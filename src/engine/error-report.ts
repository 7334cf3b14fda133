/**
 * Where errors that no caller sees in full go: what a handler, a stream or a
 * listener threw, with its stack, told to the `onError` option in the process
 * where it happened.
 *
 * @module
 */
import type { PeerInfo } from '../transports/transport.js';
import { messageOf } from '../wire/errors.js';

/**
 * Where an error reported to `onError` happened: the second argument of the
 * `onError` option of `createClusterRpc`.
 *
 * @example
 * ```ts
 * import { createClusterRpc, type ErrorSite } from 'cluster-rpc';
 * import { events, primaryRouter, workerRouter } from './routers.js';
 *
 * function describeSite(where: ErrorSite): string {
 *   const from = where.caller?.side === 'worker' ? ` for worker ${where.caller.workerId}` : '';
 *   return `${where.kind} '${where.path}' on the ${where.side}${from}`;
 * }
 * export const rpc = createClusterRpc({
 *   primary: primaryRouter,
 *   worker: workerRouter,
 *   events,
 *   onError: (error, where) => console.error(`${describeSite(where)} failed:`, error),
 * });
 * ```
 *
 * @group Errors
 */
export interface ErrorSite {
  /** The process where it was thrown. */
  readonly side: 'primary' | 'worker';
  /**
   * What threw: a call's handler or middleware, a stream's function or
   * generator, or a listener (of an event, or of `onWorkers` / `onPrimary`).
   */
  readonly kind: 'call' | 'stream' | 'event';
  /** The procedure's path; for an event listener the event's name, for a membership listener `'onWorkers'` or `'onPrimary'`. */
  readonly path: string;
  /** Who made the call or the stream, as its `ctx.caller`, or who sent the event; absent for a membership listener. */
  readonly caller?: PeerInfo;
}

/** Told about an error no caller sees in full. */
export type ErrorReporter = (error: unknown, where: ErrorSite) => void;

/** The `onError` option: a function, or `false` for nowhere. */
type OnErrorOption = ((error: unknown, where: ErrorSite) => void) | false;

/** What `onError` does unless told otherwise: the error, stack included, on stderr. */
function reportToConsole(error: unknown, where: ErrorSite): void {
  console.error(`[cluster-rpc] ${where.kind} '${where.path}' failed on the ${where.side}:`, error);
}

/** Reporting nowhere. */
function ignore(): void {}

/**
 * The reporter the engine uses, from the options: `onError` (default:
 * stderr; `false`: nowhere), with listener errors going to the deprecated
 * `onListenerError` instead when it is given. A reporter that throws or
 * rejects breaks nothing: that failure goes to stderr.
 */
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
