/** `natsTransport`: the cluster's processes reach each other through NATS, on any number of machines (docs/nats.md). @module */
import { maxFrameBytes } from '../frame-limit.js';
import type { Transport } from '../transport.js';
import { NatsBus } from './bus.js';
import { timing } from './liveness.js';
import { checkOptions, type NatsTransportOptions } from './options.js';
import { PrimaryMembership } from './primary.js';
import { ClusterSubjects } from './subjects.js';
import { WorkerMembership } from './worker.js';

/**
 * The processes of a cluster, on any number of machines, reach each other through NATS: the `transport` option of
 * `createClusterRpc`. The primary numbers workers as they join. The connection opens in the background: a worker's
 * calls wait for a primary within their timeout, then fail with `DISCONNECTED` saying what was missing; calls to a
 * process that dies or freezes fail within `livenessMs`. Guarantees: docs/nats.md.
 * @throws `TypeError` for a malformed `cluster`, a `role` missing or not `primary` or `worker`, or a `livenessMs` below 100.
 * @example
 * ```ts
 * import { createClusterRpc } from 'cluster-rpc';
 * import { natsTransport } from 'cluster-rpc/nats';
 * // The same module on every machine; each process starts with CLUSTER_RPC_ROLE=primary or worker.
 * export const rpc = createClusterRpc({ transport: natsTransport({ servers: 'nats://127.0.0.1:4222', cluster: 'shop' }) });
 * ```
 * @group NATS
 */
export function natsTransport(options: NatsTransportOptions): Transport {
  const settings = checkOptions(options);
  const subjects = new ClusterSubjects(settings.cluster);
  const clocks = timing(settings.livenessMs);
  return {
    side: settings.role,
    open(handlers, limits) {
      let listener: PrimaryMembership | WorkerMembership | undefined;
      const bus = new NatsBus(
        settings,
        subjects,
        clocks,
        {
          up: (previous) => listener?.up(previous),
          down: (why) => listener?.down(why),
          failed: (why) => listener?.failed(why),
          beat: (now) => listener?.beat(now),
          control: (control, from) => listener?.control(control, from),
          frame: (from, message) => listener?.frame(from, message),
          knows: (session) => listener?.knows(session) ?? false,
        },
        // A primary hears claims and joins, and other primaries' beats (to step down if it claimed later).
        {
          maxFrameBytes: maxFrameBytes(limits),
          shared: settings.role === 'primary' ? [subjects.primary, subjects.workers] : [subjects.workers],
        },
      );
      listener =
        settings.role === 'primary'
          ? new PrimaryMembership(handlers, bus, settings.cluster)
          : new WorkerMembership(handlers, bus, settings.cluster);
      const port = listener.port();
      bus.start();
      return port;
    },
  };
}
