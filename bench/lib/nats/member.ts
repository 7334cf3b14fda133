/**
 * One process of the NATS cell (bench/README.md), forked by cell.ts: a driver or a responder of one contender, configured by
 * `NATS_URL`, `BENCH_CLUSTER`, `BENCH_CONTENDER`, `BENCH_ROLE`, `BENCH_INDEX`. It says it is ready over IPC; a driver then runs the
 * phases it is sent and answers with what it measured.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createClusterRpc, defineEvents } from '../../../src/index.js';
import { natsTransport } from '../../../src/nats.js';
import { echoRouter } from '../contenders/cluster-rpc.js';
import { type DriveResult, drive } from '../drive.js';
import { ackSchema, fanoutTinySchema, type PayloadKind, payloadOf, type RecordsPayload, type TinyPayload } from '../payloads.js';

/** A phase the cell asks a driver to run. */
export interface NatsPhase {
  readonly op: 'call' | 'broadcast';
  readonly payload: PayloadKind;
  readonly concurrency: number;
  /** Broadcast: how many responders must acknowledge each event. */
  readonly responders: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Messages between the cell and a member. */
export type MemberMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly result: DriveResult }
  | { readonly type: 'failed'; readonly message: string };

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const cluster = process.env.BENCH_CLUSTER ?? 'bench';
const contender = process.env.BENCH_CONTENDER ?? 'raw';
const role = process.env.BENCH_ROLE ?? 'responder';
const index = Number(process.env.BENCH_INDEX ?? 0);

const send = (message: MemberMessage): void => void process.send?.(message);

/** Runs `phase` with `call` (one operation) and reports. */
async function measure(phase: NatsPhase, call: () => Promise<unknown>): Promise<void> {
  const result = await drive(call, {
    concurrency: phase.concurrency,
    warmupMs: phase.warmupMs,
    minWarmupCalls: 0,
    maxWarmupMs: 0,
    durationMs: phase.durationMs,
    minCalls: Math.max(20, 2 * phase.concurrency),
    maxMs: phase.durationMs * 20,
  });
  send({ type: 'result', result });
}

/** Acks by sequence number: resolves once `count` responders acknowledged. */
class Acks {
  readonly #waiting = new Map<number, { remaining: number; resolve: () => void }>();
  #next = 0;

  expect(count: number): { seq: number; done: Promise<void> } {
    const seq = ++this.#next;
    const done = new Promise<void>((resolve) => this.#waiting.set(seq, { remaining: count, resolve }));
    return { seq, done };
  }

  ack(seq: number): void {
    const waiter = this.#waiting.get(seq);
    if (waiter && --waiter.remaining === 0) {
      this.#waiting.delete(seq);
      waiter.resolve();
    }
  }
}

async function raw(): Promise<(phase: NatsPhase) => Promise<void>> {
  const nc: NatsConnection = await connect({ servers: url, noEcho: true });
  const subject = (name: string): string => `rawbench.${cluster}.${name}`;
  if (role === 'responder') {
    nc.subscribe(subject(`w${index}`), { callback: (_error, msg) => void msg.respond(JSON.stringify(msg.json())) });
    nc.subscribe(subject('bcast'), {
      callback: (_error, msg) => {
        const event = msg.json<{ seq: number }>();
        nc.publish(subject('ack'), JSON.stringify({ seq: event.seq }));
      },
    });
    await nc.flush();
    return async () => undefined;
  }
  const acks = new Acks();
  nc.subscribe(subject('ack'), { callback: (_error, msg) => acks.ack(msg.json<{ seq: number }>().seq) });
  await nc.flush();
  return (phase) => {
    if (phase.op === 'broadcast') {
      const data = payloadOf(phase.payload);
      return measure(phase, () => {
        const { seq, done } = acks.expect(phase.responders);
        nc.publish(subject('bcast'), JSON.stringify({ seq, data }));
        return done;
      });
    }
    const payload = payloadOf(phase.payload);
    return measure(phase, async () =>
      JSON.parse((await nc.request(subject('w1'), JSON.stringify(payload), { timeout: 30_000 })).string()),
    );
  };
}

async function clusterRpc(): Promise<(phase: NatsPhase) => Promise<void>> {
  const rpc = createClusterRpc({
    primary: echoRouter(),
    worker: echoRouter(),
    events: defineEvents({ fanoutTiny: fanoutTinySchema, ack: ackSchema }),
    transport: natsTransport({ servers: url, cluster, role: role === 'driver' ? 'primary' : 'worker' }),
  });
  if (rpc.side === 'worker') {
    rpc.worker.on('fanoutTiny', ({ seq }) => void rpc.worker.emit('ack', { seq }));
    // Ready once the primary answers: the worker has joined.
    return async () => undefined;
  }
  const acks = new Acks();
  rpc.primary.on('ack', ({ seq }) => acks.ack(seq));
  return async (phase) => {
    // Every responder has joined before the first phase.
    while (rpc.primary.workers().length < phase.responders) await new Promise((resolve) => setTimeout(resolve, 20));
    if (phase.op === 'broadcast') {
      const data = payloadOf('tiny') as TinyPayload;
      return measure(phase, () => {
        const { seq, done } = acks.expect(phase.responders);
        return Promise.all([rpc.primary.broadcast('fanoutTiny', { seq, data }), done]);
      });
    }
    // The first worker to join, as raw calls responder 1.
    const first = (): number => rpc.primary.workers()[0]?.workerId ?? 1;
    if (phase.payload === 'tiny') {
      const payload = payloadOf('tiny') as TinyPayload;
      return measure(phase, () => rpc.primary.call(first(), 'echo.tiny', payload));
    }
    const payload = payloadOf(phase.payload) as RecordsPayload;
    return measure(phase, () => rpc.primary.call(first(), 'echo.records', payload));
  };
}

const run = await (contender === 'cluster-rpc' ? clusterRpc() : raw());
process.on('message', (message: NatsPhase) => {
  run(message).catch((error: unknown) => send({ type: 'failed', message: String(error) }));
});
send({ type: 'ready' });
