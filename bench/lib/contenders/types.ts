/**
 * What each contender provides on each side. Each is attached only for its own phase, so none pays for another's listeners; every
 * measured operation is a `() => Promise` bound to its peer and payload before the window opens.
 */
import type { Worker } from 'node:cluster';
import type { PayloadKind } from '../payloads.js';

/** Every contender (bench/README.md), in the order a round starts with (rotated each round). */
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
