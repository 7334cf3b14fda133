/** One side's machinery, the same on either side and transport: its peers, dispatch, calls, streams, events, close. @module */
import { nanoid } from 'nanoid';
import pTimeout from 'p-timeout';
import type { SideApi } from '../define/context.js';
import type { ProcedureDef } from '../define/procedure.js';
import type { Schema } from '../define/schema.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { type ProcessReport, type ReportHost, reportOf, withMetricsProcedure } from '../metrics/report.js';
import type { MetricsSource } from '../metrics/types.js';
import type { PeerInfo, PeerLink, Transport, TransportPort } from '../transports/transport.js';
import { DecodeFailure, decodePayload, type EncodedPayload, type EncodeResult } from '../wire/codec.js';
import { debug } from '../wire/debug.js';
import { type CallSite, RpcError, siteError, withSite } from '../wire/errors.js';
import type { Headers } from '../wire/headers.js';
import {
  type BroadcastEnvelope,
  bye,
  type CancelCode,
  type EmitEnvelope,
  type Envelope,
  type ErrEnvelope,
  type EventEnvelope,
  err,
  hello,
  type OkEnvelope,
  parseFrame,
} from '../wire/protocol.js';
import { type CallHost, type CallOptions, type EventOptions, eventHeaders } from './call-options.js';
import { type CallerTrace, captureCaller, rethrowWithAwaiters, withCallerFrames } from './caller-stack.js';
import type { ErrorReporter } from './error-report.js';
import { EventListeners, type EventMetaBase } from './event-listeners.js';
import { startCall } from './make-call.js';
import { Membership } from './membership.js';
import { Peer } from './peer.js';
import { openStream, type RpcStream, receiveEnd, receiveItems, type StreamOptions } from './read-stream.js';
import { serveCall } from './serve-call.js';
import { grantCredit, serveStream } from './serve-stream.js';
import type { ServeHost } from './serving.js';
import { tracedCall, tracedEvent, tracedStream } from './traced.js';
import type { Tracing } from './tracing.js';

/** The options of `createClusterRpc`, checked, for one side. @internal */
export interface RpcSettings {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  readonly events: ReadonlyMap<string, Schema>;
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly reportError: ErrorReporter;
  /** Counting on, and the sources gathered with it; `undefined`: off. */
  readonly metrics: { readonly sources: readonly MetricsSource[] } | undefined;
  /** Spans for calls, streams and events; `undefined`: off. */
  readonly tracing: Tracing | undefined;
}

/** What one side does with the event envelopes it accepts. */
export type EventHandler<TMeta extends EventMetaBase> = (
  peer: Peer,
  envelope: EmitEnvelope | BroadcastEnvelope | EventEnvelope,
  events: EventListeners<TMeta>,
) => void;

/** Hands an event, validated and encoded, to the channel. */
export type EventDelivery<TResult> = (name: string, encoded: EncodedPayload, headers: Headers | undefined) => Promise<TResult>;

/** One side, running: its API, and the engine that closes and counts for it. @internal */
export interface RunningSide<TApi> {
  readonly api: TApi;
  readonly engine: Pick<Engine<EventMetaBase>, 'close' | 'pendingCount' | 'self'>;
}

/**
 * Options of `rpc.close()`.
 * @example
 * ```ts
 * import { rpc } from './rpc.js';
 * process.once('SIGTERM', () => rpc.close({ grace: 5000 }).then(() => process.exit(0)));
 * ```
 * @group Call and listen
 */
export interface CloseOptions {
  /**
   * Milliseconds calls under way get to finish before they settle with `SHUTTING_DOWN`; a primary on a socket path
   * first hands its workers over to the next primary and serves what they sent before. Default: 0.
   */
  readonly grace?: number;
}

/** Waits this long at most for the last frames (`bye`, final answers) to be written. */
const FINAL_WRITE_WAIT_MS = 1000;

export class Engine<TMeta extends EventMetaBase> implements ServeHost, CallHost {
  readonly procedures: ReadonlyMap<string, ProcedureDef>;
  readonly defaultTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly events: EventListeners<TMeta>;
  readonly membership: Membership;
  readonly reportError: ErrorReporter;
  accepting = true;
  /** This side's API, as handlers reach it through `rpc.for(ctx)`. */
  api: SideApi | undefined = undefined;
  readonly metrics: MetricsRecorder | undefined;
  readonly tracing: Tracing | undefined;
  readonly #report: ReportHost;
  /** With metrics on, when the frame being dispatched arrived: read once for all the calls it starts or ends. */
  frameArrivedAt = 0;

  /** By worker id; the primary is 0. */
  readonly #peers = new Map<number, Peer>();
  /** Peers stepping down (a primary handing over): they answer what they were sent, and get nothing new. */
  readonly #retiring = new Map<PeerLink, Peer>();
  /** While the transport hands this primary's workers over (`close` with a grace): requests are still served. */
  #steppingDown = false;
  readonly #port: TransportPort;
  /** False until `transport.open()` returned: what a transport reports before that waits a microtask. */
  #portOpen = false;
  readonly #onEvent: EventHandler<TMeta>;
  #servingCount = 0;
  #servingIdle: Array<() => void> = [];
  #failure: string | undefined = undefined;
  /** The highest worker id seen: ids only grow, so a larger one never belonged to a worker. */
  #highestWorkerId = 0;
  #closing: Promise<void> | undefined = undefined;

  constructor(settings: RpcSettings, transport: Transport, onEvent: EventHandler<TMeta>) {
    this.metrics = settings.metrics ? new MetricsRecorder() : undefined;
    this.tracing = settings.tracing;
    this.#report = {
      instance: nanoid(),
      recorder: this.metrics,
      sources: settings.metrics?.sources ?? [],
      workerId: () => {
        const self = this.self;
        return self === 'primary' ? 0 : self;
      },
    };
    // Every side answers gathers, counting or not, so a primary never waits on a worker that cannot.
    this.procedures = withMetricsProcedure(settings.procedures, this.#report);
    this.defaultTimeoutMs = settings.defaultTimeoutMs;
    this.maxPayloadBytes = settings.maxPayloadBytes;
    this.reportError = settings.reportError;
    this.events = new EventListeners<TMeta>(
      settings.events,
      (error, path, caller) => this.reportError(error, { side: this.#side(), kind: 'event', path, caller }),
      this.metrics,
      settings.tracing,
    );
    this.membership = new Membership((error) =>
      this.reportError(error, {
        side: this.#side(),
        kind: 'event',
        path: this.#side() === 'primary' ? 'onWorkers' : 'onPrimary',
      }),
    );
    this.#onEvent = onEvent;
    this.#port = transport.open(
      {
        joined: (link) => this.#whenOpen(() => this.#greet(this.#connect(link))),
        received: (link, message) =>
          this.#portOpen ? this.#received(link, message) : queueMicrotask(() => this.#received(link, message)),
        left: (link, why) => this.#whenOpen(() => this.#left(link, why)),
        leaving: (link, sent) => this.#whenOpen(() => this.#leaving(link, sent)),
        failed: (why) => this.#whenOpen(() => this.#transportFailed(why)),
      },
      { maxPayloadBytes: settings.maxPayloadBytes },
    );
    this.#portOpen = true;
    // Peers that exist already may listen already: greet them.
    for (const link of this.#port.peers()) this.#greet(this.#connect(link));
    this.#holdForPrimary();
  }

  /** How error messages name this side. */
  get self(): number | 'primary' {
    const info = this.#port.self();
    return info.side === 'primary' ? 'primary' : info.workerId;
  }

  #side(): 'primary' | 'worker' {
    return this.#port.self().side;
  }

  /** A worker as its primary knows it, once that primary takes its calls. */
  joinedSelf(): PeerInfo | undefined {
    return this.#peers.get(0)?.announced ? this.#port.self() : undefined;
  }

  /** Worker `workerId` (0: the primary), if it is alive. */
  peer(workerId: number): Peer | undefined {
    const known = this.#peers.get(workerId);
    if (known) return known;
    const link = typeof workerId === 'number' ? this.#port.peer(workerId) : undefined;
    return link ? this.#connect(link) : undefined;
  }

  livePeers(): Peer[] {
    return this.#port.peers().map((link) => this.#connect(link));
  }

  ownReport(): Promise<ProcessReport> {
    return reportOf(this.#report);
  }

  #whenOpen(act: () => void): void {
    if (this.#portOpen) act();
    else queueMicrotask(act);
  }

  #received(link: PeerLink, message: unknown): void {
    const retiring = this.#retiring.get(link);
    if (retiring) return this.#receive(retiring, message);
    const known = this.#peers.get(idOf(link.info));
    const peer = known === undefined || known.isUnattached() ? this.#connect(link) : known;
    if (peer.isOver(link)) this.#receive(peer, message);
  }

  #connect(link: PeerLink): Peer {
    const id = idOf(link.info);
    const existing = this.#peers.get(id);
    if (existing?.isOver(link)) return existing;
    if (existing?.isUnattached()) {
      // A worker waiting for a primary: the calls it held go to this one.
      existing.attach(link);
      return existing;
    }
    if (existing) {
      this.peerGone(existing, 'a new peer took its id');
      if (link.info.side === 'worker') this.metrics?.workerLeft();
    }
    const peer = new Peer(link);
    this.#peers.set(id, peer);
    if (link.info.side === 'worker') {
      this.#highestWorkerId = Math.max(this.#highestWorkerId, id);
      this.metrics?.workerJoined();
    }
    return peer;
  }

  #left(link: PeerLink, why: string): void {
    const retiring = this.#retiring.get(link);
    if (retiring) {
      this.#retiring.delete(link);
      return this.peerGone(retiring, why);
    }
    const id = idOf(link.info);
    const peer = this.#peers.get(id);
    if (!peer?.isOver(link)) return;
    this.#peers.delete(id);
    this.peerGone(peer, why);
    if (link.info.side === 'worker') this.metrics?.workerLeft();
    this.#holdForPrimary();
  }

  /** `link`'s peer steps down: what it was sent stays with it, what comes next waits for (or goes to) its successor. */
  #leaving(link: PeerLink, sent: () => void): void {
    const id = idOf(link.info);
    const peer = this.#peers.get(id);
    if (!peer?.isOver(link)) return sent();
    this.#peers.delete(id);
    this.#retiring.set(link, peer);
    // It takes no new calls: its 'left' comes now, before its successor's 'joined'.
    this.#unready(peer, peer.target === 'primary' ? 'the primary is stepping down' : 'it is stepping down');
    this.#holdForPrimary();
    void peer.whenWritten().then(sent);
  }

  /** A worker whose primary may come back holds calls for it in a peer that knows why none is there. */
  #holdForPrimary(): void {
    const port = this.#port;
    if (!port.holdCallsWithoutPrimary || this.#failure !== undefined || port.self().side !== 'worker') return;
    if (!this.accepting || this.#peers.has(0)) return;
    this.#peers.set(0, new Peer(undefined, () => port.whyNoPrimary?.() ?? 'no primary has joined'));
  }

  /** The transport gave up: every call waiting on a peer fails now, and later ones at once. */
  #transportFailed(why: string): void {
    this.#failure ??= why;
    for (const peer of this.#everyPeer()) this.peerGone(peer, why);
    this.#peers.clear();
    this.#retiring.clear();
  }

  /** Calls `path` on `peer` (`undefined`: none alive); its error shows the caller's frames. */
  call(
    peer: Peer | undefined,
    target: number | 'primary',
    path: unknown,
    input: unknown,
    options?: CallOptions,
    encodedInput?: EncodeResult,
    trace?: CallerTrace,
  ): Promise<unknown> {
    const refusal = this.#refusal(peer, target, path);
    if (refusal) {
      const refused = Promise.reject(withCallerFrames(refusal, trace ?? captureCaller(this.call)));
      return this.tracing
        ? tracedCall(this.tracing, typeof path === 'string' ? path : shownPath(path), target, options, () => refused)
        : refused;
    }
    // Traced, the span ends inside: the rejection handler below must stay the one the caller's await sees.
    const answer = this.tracing
      ? tracedCall(this.tracing, path as string, target, options, (traced) =>
          startCall(this, peer, { path: path as string, target }, input, traced, encodedInput),
        )
      : startCall(this, peer, { path: path as string, target }, input, options, encodedInput);
    return trace === undefined
      ? answer.then(undefined, rethrowWithAwaiters)
      : answer.then(undefined, (error: Error) => Promise.reject(withCallerFrames(error, trace)));
  }

  /** Streams `path` from `peer` (`undefined`: no such live peer); failures come out of its first `next()`. */
  stream(
    peer: Peer | undefined,
    target: number | 'primary',
    path: unknown,
    input: unknown,
    options?: StreamOptions,
  ): RpcStream<unknown> {
    const refusal = this.#refusal(peer, target, path);
    const site = { path: typeof path === 'string' ? path : shownPath(path), target };
    const caller = captureCaller(this.stream);
    if (this.tracing) {
      return tracedStream(this.tracing, site.path, target, options, (traced) =>
        openStream(this, refusal ? undefined : peer, site, input, traced, refusal, caller),
      );
    }
    return openStream(this, refusal ? undefined : peer, site, input, options, refusal, caller);
  }

  /** Sends an event made here: checked, encoded, traced; `deliver` hands it to the channel. */
  sendEvent<TResult>(
    operation: 'emit' | 'broadcast',
    name: string,
    payload: unknown,
    options: EventOptions | undefined,
    deliver: EventDelivery<TResult>,
  ): Promise<TResult> {
    if (this.tracing)
      return tracedEvent(this.tracing, operation, name, options, (traced) => this.#sendEvent(name, payload, traced, deliver));
    return this.#sendEvent(name, payload, options, deliver);
  }

  #sendEvent<TResult>(
    name: string,
    payload: unknown,
    options: EventOptions | undefined,
    deliver: EventDelivery<TResult>,
  ): Promise<TResult> {
    try {
      if (!this.accepting) {
        const self = this.self;
        throw new RpcError(
          'SHUTTING_DOWN',
          self === 'primary'
            ? `Cannot broadcast '${name}': the rpc object on the primary is closed`
            : `Cannot send event '${name}': the rpc object on worker ${self} is closed`,
        );
      }
      const headers = eventHeaders(name, options);
      const encoded = this.events.encode(name, payload, this.maxPayloadBytes);
      if (encoded instanceof Promise) return encoded.then((settled) => deliver(name, settled, headers));
      return deliver(name, encoded, headers);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A path that is not a string, a transport that gave up, or a worker id no worker ever had. */
  #refusal(peer: Peer | undefined, target: number | 'primary', path: unknown): RpcError | undefined {
    if (typeof path !== 'string')
      return siteError('NOT_FOUND', { path: shownPath(path), target }, 'A procedure path must be a string');
    if (peer !== undefined || !this.accepting) return undefined;
    if (this.#failure !== undefined) return siteError('DISCONNECTED', { path, target }, this.#failure);
    if (target !== 'primary' && !(Number.isSafeInteger(target) && target > 0 && target <= this.#highestWorkerId))
      return siteError('NOT_FOUND', { path, target }, `No worker ever had the id ${String(target)}`);
    return undefined;
  }

  /** Never throws: foreign messages are ignored, malformed ones dropped. */
  #receive(peer: Peer, message: unknown): void {
    const parsed = parseFrame(message);
    if (parsed.kind === 'foreign') return;
    if (parsed.kind === 'malformed') return debug(() => `dropped a frame from ${peer.describe()}: ${parsed.reason}`);
    if (parsed.dropped > 0) debug(() => `dropped ${parsed.dropped} malformed envelope(s) from ${peer.describe()}`);
    // Anything from the peer proves it listens, even if its hello was lost.
    if (peer.state === 'starting') this.#ready(peer);
    if (this.metrics) this.frameArrivedAt = performance.now();
    for (const envelope of parsed.envelopes) {
      try {
        this.#dispatch(peer, envelope);
      } catch (error) {
        debug(() => `envelope '${envelope[0]}' from ${peer.describe()} failed: ${String(error)}`);
      }
    }
  }

  #dispatch(peer: Peer, envelope: Envelope): void {
    switch (envelope[0]) {
      case 'hello':
        this.#ready(peer);
        if (envelope[1] === 0 && this.#closing === undefined) peer.send(hello(1));
        return;
      case 'bye':
        return this.#peerClosed(peer);
      case 'call':
        return serveCall(this, peer, envelope);
      case 'ok':
        return this.#answered(peer, envelope);
      case 'err':
        return this.#failed(peer, envelope);
      case 'cancel':
        return peer.serving.get(envelope[1])?.abort(cancelReason(envelope[2]));
      case 'emit':
      case 'bcast':
      case 'event':
        return this.#onEvent(peer, envelope, this.events);
      case 'open':
        return serveStream(this, peer, envelope);
      case 'items':
        return receiveItems(peer, envelope);
      case 'end':
        return receiveEnd(peer, envelope);
      case 'credit':
        return grantCredit(peer, envelope);
      default:
        return assertNever(envelope);
    }
  }

  #answered(peer: Peer, [, id, result]: OkEnvelope): void {
    // One table lookup for the usual answer; a late one is decoded for nothing, which is rare.
    const value = decodePayload(result);
    const settled =
      value instanceof DecodeFailure
        ? peer.pending.reject(id, (site) => siteError('UNSERIALIZABLE', site, `The answer could not be decoded: ${value.detail}`))
        : peer.pending.resolve(id, value, this.frameArrivedAt);
    if (!settled) debug(() => `dropped a late answer ${id} from ${peer.describe()}`);
  }

  #failed(peer: Peer, [, id, wire]: ErrEnvelope): void {
    // A stream's error ends it after the items sent before it.
    const stream = peer.pending.has(id) ? undefined : peer.streams.get(id);
    if (!stream && !peer.pending.has(id)) return debug(() => `dropped a late error ${id} from ${peer.describe()}`);
    const data = wire.data ? decodePayload(wire.data) : undefined;
    const options = { issues: wire.issues, data: data instanceof DecodeFailure ? undefined : data };
    const errorFor = (site: CallSite): RpcError => new RpcError(wire.code, withSite(wire.message, site), options);
    if (stream) stream.ended(errorFor(stream.site));
    else peer.pending.reject(id, errorFor);
  }

  /** `peer` said hello, or anything at all. */
  #ready(peer: Peer): void {
    peer.markReady();
    if (peer.state !== 'ready' || peer.announced) return;
    // One stepping down takes no new calls, whatever it says.
    for (const retiring of this.#retiring.values()) if (retiring === peer) return;
    peer.announced = true;
    this.membership.emit({ type: 'joined', peer: peer.info });
  }

  /** Membership listeners hear a leave once, if they heard the join. */
  #unready(peer: Peer, reason: string): void {
    if (!peer.announced) return;
    peer.announced = false;
    this.membership.emit({ type: 'left', peer: peer.info, reason });
  }

  #peerClosed(peer: Peer): void {
    peer.markClosed();
    peer.pending.rejectAll((site) => siteError('SHUTTING_DOWN', site, 'The target closed its rpc object before answering'));
    peer.streams.failAll((site) => siteError('SHUTTING_DOWN', site, 'The target closed its rpc object before the stream ended'));
    this.#abortServing(peer, new RpcError('SHUTTING_DOWN', `The caller (${peer.describe()}) closed its rpc object`));
    this.#unready(peer, peer.target === 'primary' ? 'the primary closed its rpc object' : 'it closed its rpc object');
  }

  /** The process behind `peer` exited or its channel closed. Idempotent. */
  peerGone(peer: Peer, why: string): void {
    if (peer.state === 'gone') return;
    peer.markGone();
    peer.pending.rejectAll((site) => siteError('DISCONNECTED', site, `The target went away before answering: ${why}`));
    peer.streams.failAll((site) => siteError('DISCONNECTED', site, `The target went away before the stream ended: ${why}`));
    this.#abortServing(peer, new RpcError('DISCONNECTED', `The caller (${peer.describe()}) went away: ${why}`));
    this.#unready(peer, why);
  }

  #abortServing(peer: Peer, reason: RpcError): void {
    for (const served of peer.serving.values()) served.abort(reason);
    peer.serving.clear();
  }

  /** Says hello, in case the peer listens already. */
  #greet(peer: Peer): void {
    if (this.#closing === undefined) peer.send(hello(0));
  }

  /** False once this side takes no more requests: from the start of a close, or once its workers were handed over. */
  get admitting(): boolean {
    return this.accepting || this.#steppingDown;
  }

  /** The peers, and those stepping down. */
  #everyPeer(): Peer[] {
    return [...this.#peers.values(), ...this.#retiring.values()];
  }

  servingStarted(): void {
    this.#servingCount++;
  }

  servingEnded(): void {
    this.#servingCount--;
    if (this.#servingCount === 0 && this.#servingIdle.length > 0) for (const wake of this.#servingIdle.splice(0)) wake();
  }

  #whenIdle(peers: readonly Peer[]): Promise<unknown> {
    const serving = this.#servingCount === 0 ? Promise.resolve() : new Promise<void>((wake) => this.#servingIdle.push(wake));
    return Promise.all([
      serving,
      ...peers.map((peer) => peer.pending.whenEmpty()),
      ...peers.map((peer) => peer.streams.whenEmpty()),
    ]);
  }

  pendingCount(): number {
    // Served calls by the counter: one followed synchronously is in no table while it runs.
    let count = this.#servingCount;
    for (const peer of this.#everyPeer()) count += peer.pending.size + peer.streams.size;
    return count;
  }

  /**
   * New calls fail at once, calls under way get `grace` ms, the rest settle with `SHUTTING_DOWN`, peers hear `bye`.
   * With a grace, a primary whose transport can hand its workers over does that first.
   */
  close(options?: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options?.grace ?? 0);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + graceMs;
    if (graceMs > 0 && this.#port.stepDown) {
      this.#steppingDown = true;
      try {
        await this.#port.stepDown(graceMs);
      } catch (error) {
        debug(() => `handing the workers over failed: ${String(error)}`);
      }
      this.#steppingDown = false;
    }
    const remainingMs = deadline - Date.now();
    if (remainingMs > 0) {
      await pTimeout(this.#whenIdle(this.#everyPeer()), { milliseconds: remainingMs, fallback: () => undefined });
    }
    const self = this.self;
    const reason = new RpcError(
      'SHUTTING_DOWN',
      `The rpc object on ${self === 'primary' ? 'the primary' : `worker ${self}`} closed`,
    );
    const written: Array<Promise<unknown>> = [];
    for (const peer of this.#everyPeer()) {
      peer.pending.rejectAll((site) => siteError('SHUTTING_DOWN', site, 'This rpc object closed before the answer came'));
      peer.streams.failAll((site) => siteError('SHUTTING_DOWN', site, 'This rpc object closed before the stream ended'));
      for (const [id, served] of peer.serving) {
        served.abort(reason);
        peer.send(err(id, { code: reason.code, message: withSite(reason.message, { path: served.path, target: self }) }));
      }
      peer.serving.clear();
      peer.send(bye());
      written.push(peer.whenWritten());
    }
    await pTimeout(Promise.all(written), { milliseconds: FINAL_WRITE_WAIT_MS, fallback: () => undefined });
    this.events.clear();
    this.membership.clear();
    await this.#port.close();
  }
}

/** Not String(path) for objects: `{ toString: 'x' }` makes that throw. */
function shownPath(path: unknown): string {
  return typeof path === 'object' || typeof path === 'function' ? `(${path === null ? 'null' : typeof path})` : String(path);
}

function idOf(info: PeerInfo): number {
  return info.side === 'primary' ? 0 : info.workerId;
}

function cancelReason(code: CancelCode): RpcError {
  return new RpcError(code, code === 'TIMEOUT' ? 'The caller timed out' : 'The caller aborted the call');
}

function assertNever(value: never): never {
  throw new TypeError(`Unhandled envelope ${JSON.stringify(value)}`);
}
