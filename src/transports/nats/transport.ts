/**
 * `natsTransport`: the cluster's processes reach each other through a NATS
 * server (or a cluster of them), on any number of machines. Design and
 * guarantees: docs/nats.md.
 *
 * @module
 */
import { maxFrameBytes } from '../frame-limit.js';
import type { Transport } from '../transport.js';
import { NatsBus } from './bus.js';
import { timing } from './liveness.js';
import { checkOptions, type NatsTransportOptions } from './options.js';
import { PrimaryMembership } from './primary.js';
import { ClusterSubjects } from './subjects.js';
import { WorkerMembership } from './worker.js';

/**
 * The processes of a cluster (one primary, any number of workers, on any
 * number of machines) reach each other through NATS: pass it as the
 * `transport` option of `createClusterRpc`, with the same routers as ever.
 * Each process says its role; the primary numbers the workers as they join
 * (positive ids, never reused while it lives).
 *
 * `createClusterRpc` stays synchronous: the connection opens in the
 * background, tried again until a server answers, and a worker's calls,
 * streams and events made before it has joined a primary wait within their
 * timeout; one that could not be sent by then fails with `DISCONNECTED`
 * saying what was missing: the servers (and why), or a primary in the
 * cluster. Servers that refuse the credentials fail calls at once with
 * `DISCONNECTED` naming the servers, and `onError` hears why. A second
 * primary for the same cluster is refused the same way. Calls in flight to a
 * process that dies or freezes reject with `DISCONNECTED` within
 * `livenessMs` (3 s); a process that closes its rpc object is dropped at
 * once (its peers' calls to it fail with `SHUTTING_DOWN`). When this process
 * loses its connection,
 * the calls in flight through it reject with `DISCONNECTED`, and it joins
 * again (a worker gets a new id) once the client has reconnected.
 *
 * Needs the NATS client `@nats-io/transport-node` 3.x, an optional peer
 * dependency: `npm install @nats-io/transport-node@3`.
 *
 * @param options - The cluster's name, this process's role, and the NATS
 *   client's connection options; see {@link NatsTransportOptions}.
 * @returns A transport for `createClusterRpc({ transport })`.
 * @throws `TypeError` for a missing or malformed `cluster`, a `role` that is
 *   neither `primary` nor `worker` (nor given by `CLUSTER_RPC_ROLE`), or a
 *   `livenessMs` below 100.
 *
 * @example
 * ```ts
 * import { createClusterRpc, defineRouter, procedure } from 'cluster-rpc';
 * import { natsTransport } from 'cluster-rpc/nats';
 *
 * const primaryRouter = defineRouter({ now: procedure.handler(() => Date.now()) });
 *
 * // The same module on every machine; each process starts with CLUSTER_RPC_ROLE=primary or worker.
 * export const rpc = createClusterRpc({
 *   primary: primaryRouter,
 *   transport: natsTransport({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', cluster: 'shop' }),
 * });
 *
 * if (rpc.side === 'worker') console.log(await rpc.worker.call('now'));
 * else console.log(rpc.primary.workers()); // [{ workerId: 1, pid: 4242, host: 'web-2' }, …]
 * ```
 *
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
