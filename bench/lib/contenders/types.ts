/**
 * What each contender provides, on each side. A contender is attached to the channel only for its own phase (opened, measured,
 * closed), so no contender pays for another's listeners.
 *
 * Every measured operation is a prebuilt function `() => Promise`, bound to its peer and payload before the window opens, so the
 * loop calls the contender and nothing else.
 */
import type { Worker } from 'node:cluster';
import type { PayloadKind } from '../payloads.js';

/**
 * Every contender, in the order a round starts with (rotated each round):
 * - `raw`: the floor, hand-written `process.send` with ids and a `Map` of resolvers;
 * - `raw+zod`: the same with cluster-rpc's zod checks done by hand (the floor for validated fan-out);
 * - `birpc`: birpc with its defaults, for reference;
 * - `birpc+sj+zod`: birpc given cluster-rpc's guarantees: superjson serialisation and the same zod checks;
 * - `cluster-rpc`: this package through its public API;
 * - `cluster-rpc+metrics`: the same with `metrics: true` on both sides (issue 15's cost cell; tiny c=64 only by default);
 * - `raw/socket`: `raw`'s messages over a hand-written Unix socket channel (length-prefixed JSON): the ceiling of…
 * - `cluster-rpc/socket`: cluster-rpc over `socketTransport()` of `cluster-rpc/socket` (issue 25);
 * - `cluster-rpc+otel`: `cluster-rpc` with `tracing: otelTracing()` and no SDK registered (issue 24; tiny c=64 only by default);
 * - `cluster-rpc+otel-sdk`: `cluster-rpc+otel` with the OpenTelemetry SDK registered in both processes, spans dropped by the exporter;
 * - `cluster-rpc@base`: `cluster-rpc` built from another tree (`--baseline`), to compare a change with what it changes.
 */
export const CONTENDERS = [
  'raw',
  'raw+zod',
  'birpc',
  'birpc+sj+zod',
  'cluster-rpc',
  'cluster-rpc+metrics',
  'raw/socket',
  'cluster-rpc/socket',
  'cluster-rpc+otel',
  'cluster-rpc+otel-sdk',
  'cluster-rpc@base',
] as const;

export type ContenderName = (typeof CONTENDERS)[number];

export type Operation = () => Promise<unknown>;

export interface PrimaryContender {
  /** Resolves once workers can attach (a socket listens); the workers open theirs after it. */
  readonly ready?: Promise<void>;
  /** One echo round trip to `worker` with the payload of `kind`. */
  caller(worker: Worker, kind: PayloadKind): Operation;
  /** The same echo to every worker of `workers`, resolving once all answered; rejects if any failed. */
  callAllCaller(workers: readonly Worker[], kind: PayloadKind): Operation;
  /** One one-way message to each of `workers`, resolving once every worker acknowledged it with a one-way message. */
  broadcaster(workers: readonly Worker[], kind: PayloadKind): Operation;
  /** Calls (or broadcasts) still waiting: 0 after a clean phase. */
  pendingCount(): number;
  /** Detaches everything `open` attached. */
  close(): Promise<void>;
}

export interface WorkerContender {
  /** Resolves once it can call and be called (connected); its `open` answers after it. */
  readonly ready?: Promise<void>;
  /** One echo round trip to the primary with the payload of `kind`. */
  caller(kind: PayloadKind): Operation;
  /** Calls still waiting or being served: 0 after a clean phase. */
  pendingCount(): number;
  /** Detaches everything `open` attached. */
  close(): Promise<void>;
}

/** Fails a gather when any of its answers is missing. */
export class GatherError extends Error {
  override readonly name = 'GatherError';
}
