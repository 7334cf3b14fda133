/** One process's NATS connection: session, inbox, frames in and out, flow control, drops and stalls. @module */
import type { Msg, NatsConnection, Status, Subscription } from '@nats-io/transport-node';
import pTimeout from 'p-timeout';
import { debug } from '../../wire/debug.js';
import { messageOf } from '../../wire/errors.js';
import type { Frame } from '../../wire/protocol.js';
import type { SendResult } from '../transport.js';
import { Reassembly, split } from './chunks.js';
import { type Control, encodeControl, parseControl } from './control.js';
import { Beats, type Timing } from './liveness.js';
import type { NatsSettings } from './options.js';
import { type ClusterSubjects, newSession } from './subjects.js';

/** What the side on top of the bus hears. Called only while the bus is open. */
export interface BusListener {
  /** Connected with a fresh session (the first time, or after `down`); `previous` is the session given up. */
  up(previous: string | undefined): void;
  /** The connection dropped, or this process stalled: every peer counts as gone. */
  down(why: string): void;
  /** The transport gave up for good. */
  failed(why: string): void;
  /** A heartbeat's worth of time passed. */
  beat(now: number): void;
  /** A control message: from `from`'s session (sent to this one), or on a shared subject (`from` undefined). */
  control(control: Control, from: string | undefined): void;
  /** A frame from `from`'s session: whatever JSON arrived, checked by the rpc layer. */
  frame(from: string, message: unknown): void;
  /** Whether `session` is a peer whose frames are wanted (only peers may send frames in parts). */
  knows(session: string): boolean;
}

/**
 * Bytes sent but not yet confirmed by the server, above which a link reports `congested`: the rpc layer then holds
 * calls (not answers) until the server has caught up, instead of piling them up in the client's buffer.
 */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

/** The server's `max_payload` when it has not said (its default). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** Waits this long at most for the server to take the last messages on close. */
const CLOSE_WAIT_MS = 2000;

/** A frame's `done`, and how many bytes had been published once it was. */
interface Unconfirmed {
  readonly mark: number;
  readonly done: (error: Error | null) => void;
  /** Wait for the server to confirm (a flush); otherwise done once handed to the socket. */
  readonly confirm: boolean;
}

const SETTLED: Promise<void> = Promise.resolve();

export class NatsBus {
  /** This process's name on the subjects; a new one after every `down`. */
  session = newSession();
  readonly subjects: ClusterSubjects;
  readonly timing: Timing;

  readonly #settings: NatsSettings;
  readonly #listener: BusListener;
  readonly #maxFrameBytes: number;
  readonly #shared: readonly string[];
  readonly #beats: Beats;
  #nc: NatsConnection | undefined = undefined;
  #inbox: Subscription | undefined = undefined;
  #subscriptions: Subscription[] = [];
  #status: AsyncIterable<Status> | undefined = undefined;
  #connected = false;
  #closed = false;
  #gaveUp = false;
  /** Why no server can be reached now (a failed connect, a dropped connection); `undefined` while connected. */
  #unreachable: string | undefined = undefined;
  /** Wakes the wait before the next attempt to connect, when close() comes meanwhile. */
  #retryTimer: NodeJS.Timeout | undefined = undefined;
  #wakeRetry: (() => void) | undefined = undefined;
  #frameNumber = 0;
  readonly #reassemblies = new Map<string, Reassembly>();
  // Flow control: bytes published, bytes the server confirmed, and the frames waiting to be told.
  #published = 0;
  #confirmed = 0;
  #flushing = false;
  #unconfirmed: Unconfirmed[] = [];
  #drainQueued = false;

  constructor(
    settings: NatsSettings,
    subjects: ClusterSubjects,
    timing: Timing,
    listener: BusListener,
    options: { readonly maxFrameBytes: number; readonly shared: readonly string[] },
  ) {
    this.#settings = settings;
    this.subjects = subjects;
    this.timing = timing;
    this.#listener = listener;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#shared = options.shared;
    this.#beats = new Beats(
      timing,
      (now) => this.#whileOpen(() => listener.beat(now)),
      (gap) => this.#stalled(gap),
    );
  }

  start(): void {
    const given = this.#settings.connection;
    if (given) {
      this.#attach(given);
      return;
    }
    void this.#connect();
  }

  /** As the client's `waitOnFirstConnect`, but knowing why each attempt failed; refused credentials give up at once. */
  async #connect(): Promise<void> {
    let connect: typeof import('@nats-io/transport-node').connect;
    try {
      ({ connect } = await import('@nats-io/transport-node'));
    } catch (error) {
      const missing = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && /transport-node/.test(messageOf(error));
      return this.#giveUp(
        missing ? 'cluster-rpc/nats needs the NATS client: npm install @nats-io/transport-node@3' : messageOf(error),
      );
    }
    const { retry, servers } = this.#settings;
    for (let attempt = 1; !this.#closed; attempt++) {
      let nc: NatsConnection;
      try {
        nc = await connect({ ...this.#settings.connect, waitOnFirstConnect: false });
      } catch (error) {
        const why = `Cannot connect to the NATS server(s) ${servers}: ${messageOf(error)}`;
        if (isRefusedCredentials(error) || !retry.firstConnect || (retry.maxAttempts >= 0 && attempt > retry.maxAttempts))
          return this.#giveUp(why);
        // Once per outage, not once per attempt.
        if (this.#unreachable === undefined) this.#settings.onError(new Error(`${why}; trying again until one answers`));
        this.#unreachable = `cannot reach the NATS server(s) ${servers} (${messageOf(error)}; still trying)`;
        await this.#pause(retry.delayMs());
        continue;
      }
      if (this.#closed) {
        await nc.close().catch(() => undefined);
        return;
      }
      this.#unreachable = undefined;
      return this.#attach(nc);
    }
  }

  /** Waits `ms` before the next attempt; close() ends the wait at once. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeRetry = resolve;
      this.#retryTimer = setTimeout(resolve, ms);
    });
  }

  /** Why no server can be reached now, for calls that could not be sent; `undefined` while connected. */
  unreachable(): string | undefined {
    if (this.connected || this.#closed || this.#gaveUp) return undefined;
    return this.#unreachable ?? `connecting to the NATS server(s) ${this.#settings.servers}`;
  }

  #attach(nc: NatsConnection): void {
    if (nc.isClosed()) return this.#giveUp('The NATS connection given to natsTransport is closed');
    this.#nc = nc;
    this.#connected = true;
    void this.#watch(nc);
    for (const subject of this.#shared) {
      this.#subscriptions.push(nc.subscribe(subject, { callback: (error, msg) => this.#onShared(error, msg) }));
    }
    this.#subscribeInbox(nc);
    this.#beats.start();
    this.#whileOpen(() => this.#listener.up(undefined));
  }

  /** Follows the connection: drops and reconnections, server errors, the end. */
  async #watch(nc: NatsConnection): Promise<void> {
    void nc.closed().then((error) => {
      if (this.#closed) return;
      const why = error ? `: ${messageOf(error)}` : '';
      this.#giveUp(`The NATS connection closed${why}`);
    });
    this.#status = nc.status();
    try {
      for await (const status of this.#status) {
        if (this.#closed) return;
        this.#onStatus(nc, status);
      }
    } catch (error) {
      debug(() => `NATS status stream failed: ${messageOf(error)}`);
    }
  }

  #onStatus(nc: NatsConnection, status: Status): void {
    switch (status.type) {
      case 'disconnect':
        if (!this.#connected) return;
        this.#connected = false;
        this.#unreachable = `the connection to the NATS server ${status.server} was lost (reconnecting)`;
        this.#failUnconfirmed(new Error('the NATS connection dropped'));
        this.#whileOpen(() => this.#listener.down(`the connection to the NATS server ${status.server} was lost`));
        return;
      case 'reconnect':
        // A reconnection whose drop was not reported still lost what was in flight.
        if (this.#connected) this.#whileOpen(() => this.#listener.down(`the connection moved to ${status.server}`));
        this.#connected = true;
        this.#unreachable = undefined;
        this.#renew(nc);
        return;
      case 'error':
        this.#settings.onError(status.error);
        return;
      default:
        debug(() => `NATS status: ${status.type}`);
    }
  }

  /** This process stalled: its peers have given up on it. Start over with a new session. */
  #stalled(gapMs: number): void {
    this.#whileOpen(() => this.#listener.down(`this process stalled for ${gapMs} ms`));
    if (this.#connected && this.#nc) this.#renew(this.#nc);
  }

  /** A new session and inbox; the peers hear of the old one's end from the side. */
  #renew(nc: NatsConnection): void {
    if (this.#closed || this.#gaveUp) return;
    const previous = this.session;
    this.#inbox?.unsubscribe();
    this.session = newSession();
    this.#reassemblies.clear();
    this.#subscribeInbox(nc);
    this.#whileOpen(() => this.#listener.up(previous));
  }

  #subscribeInbox(nc: NatsConnection): void {
    const session = this.session;
    this.#inbox = nc.subscribe(this.subjects.inbox(session), {
      callback: (error, msg) => {
        if (error) return this.#serverError(error);
        if (session === this.session) this.#onInbox(session, msg);
      },
    });
  }

  #onShared(error: Error | null, msg: Msg): void {
    if (error) return this.#serverError(error);
    if (this.#closed) return;
    try {
      const control = parseControl(msg.data);
      if (control) this.#listener.control(control, undefined);
    } catch (thrown) {
      debug(() => `a message on ${msg.subject} failed: ${messageOf(thrown)}`);
    }
  }

  /** Anything that arrives for this session. Never throws: the NATS client would stop reading. */
  #onInbox(session: string, msg: Msg): void {
    if (this.#closed) return;
    try {
      const addressed = this.subjects.parse(msg.subject, session);
      if (!addressed) return debug(() => `ignored a message on ${msg.subject}`);
      if (addressed.kind === 'control') {
        const control = parseControl(msg.data);
        if (control) this.#listener.control(control, addressed.from);
        return;
      }
      if (!this.#listener.knows(addressed.from)) return debug(() => `ignored a frame from unknown session ${addressed.from}`);
      if (addressed.kind === 'frame') {
        this.#reassemblies.get(addressed.from)?.reset();
        return this.#deliver(addressed.from, msg.data);
      }
      let reassembly = this.#reassemblies.get(addressed.from);
      if (!reassembly) {
        reassembly = new Reassembly(this.#maxFrameBytes);
        this.#reassemblies.set(addressed.from, reassembly);
      }
      const whole = reassembly.add(addressed.frame, addressed.index, addressed.count, msg.data);
      if (whole === false) debug(() => `dropped a frame in parts from ${addressed.from}: a part was missing or too large`);
      else if (whole) this.#deliver(addressed.from, whole);
    } catch (thrown) {
      debug(() => `a message on ${msg.subject} failed: ${messageOf(thrown)}`);
    }
  }

  #deliver(from: string, data: Uint8Array): void {
    let message: unknown;
    try {
      message = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    } catch {
      return debug(() => `dropped a frame from ${from} that is not JSON`);
    }
    this.#listener.frame(from, message);
  }

  /** A peer is gone: drop what it left half sent. */
  forget(session: string): void {
    this.#reassemblies.delete(session);
  }

  get connected(): boolean {
    return this.#connected && !this.#closed && !this.#gaveUp;
  }

  /** Sends a frame to `to`'s session; `done` runs once the client has written it (or the server confirmed it). */
  sendFrame(to: string, frame: Frame, done: (error: Error | null) => void): SendResult {
    const nc = this.#nc;
    if (!nc || !this.connected) return 'closed';
    let bytes: Buffer;
    try {
      bytes = Buffer.from(JSON.stringify(frame));
    } catch (error) {
      debug(() => `a frame for ${to} could not be written as JSON: ${messageOf(error)}`);
      return 'closed';
    }
    const max = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    try {
      if (bytes.length <= max) nc.publish(this.subjects.frame(to, this.session), bytes);
      else {
        const parts = split(bytes, max);
        const number = ++this.#frameNumber;
        for (let index = 0; index < parts.length; index++) {
          nc.publish(this.subjects.chunk(to, this.session, number, index, parts.length), parts[index]);
        }
      }
    } catch (error) {
      debug(() => `publishing a frame for ${to} failed: ${messageOf(error)}`);
      return 'closed';
    }
    this.#published += bytes.length;
    const congested = this.#published - this.#confirmed > HIGH_WATER_BYTES;
    this.#unconfirmed.push({ mark: this.#published, done, confirm: congested });
    if (congested) this.#flush();
    else this.#queueDrain();
    return congested ? 'congested' : 'sent';
  }

  sendControl(to: string, control: Control): void {
    this.#publish(this.subjects.control(to, this.session), control);
  }

  publish(subject: string, control: Control): void {
    this.#publish(subject, control);
  }

  #publish(subject: string, control: Control): void {
    if (!this.#nc || !this.connected) return;
    try {
      this.#nc.publish(subject, encodeControl(control));
    } catch (error) {
      debug(() => `publishing '${control.t}' failed: ${messageOf(error)}`);
    }
  }

  /** Resolves once the server has what was published so far (or the connection dropped). */
  async flush(): Promise<void> {
    await this.#nc?.flush().catch(() => undefined);
  }

  /** Frames the client has written once the current tick's messages are flushed. */
  #queueDrain(): void {
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    // After the client's own flush, which it queued as a microtask when the tick's first message came.
    SETTLED.then(this.#drain);
  }

  readonly #drain = (): void => {
    this.#drainQueued = false;
    let released = 0;
    while (released < this.#unconfirmed.length) {
      const entry = this.#unconfirmed[released] as Unconfirmed;
      if (entry.confirm && entry.mark > this.#confirmed) break;
      released++;
    }
    if (released === 0) return;
    const done = this.#unconfirmed.splice(0, released);
    for (const entry of done) entry.done(null);
  };

  /** Asks the server to confirm everything published so far; one request at a time. */
  #flush(): void {
    const nc = this.#nc;
    if (this.#flushing || !nc) return;
    this.#flushing = true;
    const mark = this.#published;
    nc.flush().then(
      () => {
        this.#flushing = false;
        this.#confirmed = Math.max(this.#confirmed, mark);
        this.#drain();
        if (this.#unconfirmed.some((entry) => entry.confirm)) this.#flush();
      },
      () => {
        this.#flushing = false;
      },
    );
  }

  /** The connection dropped: what was not confirmed may be lost; tell the frames' senders. */
  #failUnconfirmed(error: Error): void {
    const waiting = this.#unconfirmed;
    this.#unconfirmed = [];
    this.#confirmed = this.#published;
    for (const entry of waiting) entry.done(error);
  }

  #serverError(error: Error): void {
    if (!this.#closed) this.#settings.onError(error);
  }

  /** Runs `action` unless the bus is closed or gave up; never lets it throw into the NATS client. */
  #whileOpen(action: () => void): void {
    if (this.#closed || this.#gaveUp) return;
    try {
      action();
    } catch (error) {
      debug(() => `the NATS transport failed: ${messageOf(error)}`);
    }
  }

  /** Gives up for good: the side fails its calls, the user hears why, and the connection (if ours) closes. */
  #giveUp(why: string): void {
    if (this.#closed || this.#gaveUp) return;
    this.#whileOpen(() => this.#listener.failed(why));
    this.#gaveUp = true;
    this.#settings.onError(new Error(why));
    void this.#release();
  }

  /** Gives up as {@link #giveUp} does, for a reason the side found (another primary is active). */
  fail(why: string): void {
    this.#giveUp(why);
  }

  /** Stops everything: unsubscribes, and drains and closes the connection if it is this transport's own. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  async #release(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#wakeRetry?.();
    this.#beats.stop();
    (this.#status as { stop?: () => void } | undefined)?.stop?.();
    const nc = this.#nc;
    this.#failUnconfirmed(new Error('the NATS transport closed'));
    if (!nc || nc.isClosed()) return;
    if (this.#settings.connection) {
      // Someone else's connection: leave it open, with nothing of ours on it.
      for (const subscription of [...this.#subscriptions, this.#inbox]) subscription?.unsubscribe();
      this.#subscriptions = [];
      await pTimeout(nc.flush(), { milliseconds: CLOSE_WAIT_MS }).catch(() => undefined);
      return;
    }
    await pTimeout(nc.drain(), { milliseconds: CLOSE_WAIT_MS }).catch(() => undefined);
    if (!nc.isClosed()) await nc.close().catch(() => undefined);
  }
}

/** The server refused the credentials (or they expired): trying again cannot help. */
function isRefusedCredentials(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'AuthorizationError' ||
    name === 'UserAuthenticationExpiredError' ||
    /authorization violation/i.test(messageOf(error))
  );
}
