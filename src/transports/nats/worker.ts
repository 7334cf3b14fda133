/** A worker over NATS: finds and joins the primary, beats, and joins the next one when it goes. @module */
import { hostname } from 'node:os';
import { nanoid } from 'nanoid';
import { type PeerInfo, type PeerLink, PRIMARY_PEER, type TransportHandlers, type TransportPort } from '../transport.js';
import type { BusListener, NatsBus } from './bus.js';
import type { Control } from './control.js';

interface JoinedPrimary {
  readonly session: string;
  readonly link: PeerLink;
  heard: number;
}

export class WorkerMembership implements BusListener {
  readonly #handlers: TransportHandlers;
  readonly #bus: NatsBus;
  readonly #host = hostname();
  #self: PeerInfo;
  #primary: JoinedPrimary | undefined = undefined;
  /** The primary given up when this worker took a new session: it is told so. */
  #formerPrimary: string | undefined = undefined;
  /** Names this round of joining: repeated joins get the same answer. */
  #attempt = nanoid();
  #lastJoin = 0;
  #closed = false;

  readonly #cluster: string;

  constructor(handlers: TransportHandlers, bus: NatsBus, cluster: string) {
    this.#handlers = handlers;
    this.#bus = bus;
    this.#cluster = cluster;
    this.#self = this.#info(0);
  }

  #info(workerId: number): PeerInfo {
    return Object.freeze({ side: 'worker', workerId, pid: process.pid, host: this.#host });
  }

  port(): TransportPort {
    return {
      self: () => this.#self,
      peers: () => (this.#primary ? [this.#primary.link] : []),
      peer: () => undefined,
      holdCallsWithoutPrimary: true,
      whyNoPrimary: () => this.#bus.unreachable() ?? `no primary has joined the cluster '${this.#cluster}'`,
      close: () => this.#close(),
    };
  }

  up(previous: string | undefined): void {
    if (previous !== undefined && this.#formerPrimary !== undefined) {
      this.#bus.sendControl(this.#formerPrimary, { t: 'leave', s: previous });
    }
    this.#formerPrimary = undefined;
    this.#join(true);
  }

  down(why: string): void {
    if (this.#primary) this.#formerPrimary = this.#primary.session;
    this.#lose(why);
  }

  failed(why: string): void {
    this.#primary = undefined;
    this.#handlers.failed(why);
  }

  beat(now: number): void {
    const primary = this.#primary;
    if (!primary) return this.#join(false);
    if (now - primary.heard > this.#bus.timing.silenceMs) {
      this.#lose(`the primary was silent for ${this.#bus.timing.silenceMs} ms`);
      return this.#join(true);
    }
    this.#bus.sendControl(primary.session, { t: 'hb' });
  }

  control(control: Control, from: string | undefined): void {
    const primary = this.#primary;
    switch (control.t) {
      case 'here':
        if (primary?.session === control.s) primary.heard = Date.now();
        else if (!primary) this.#join(false);
        return;
      case 'welcome':
        if (from === undefined) return;
        if (primary) {
          if (primary.session === from) primary.heard = Date.now();
          return;
        }
        if (control.j === this.#attempt) this.#welcomed(from, control.id);
        return;
      case 'leave':
        if (primary?.session === control.s) {
          this.#lose('the primary closed its rpc object or lost its connection');
          this.#join(true);
        }
        return;
      case 'unknown':
        if (primary && primary.session === from) {
          this.#lose('the primary had given this worker up');
          this.#join(true);
        }
        return;
      default:
        return; // claims, rivals, joins and beats are for primaries
    }
  }

  frame(from: string, message: unknown): void {
    const primary = this.#primary;
    if (primary?.session !== from) return;
    primary.heard = Date.now();
    this.#handlers.received(primary.link, message);
  }

  knows(session: string): boolean {
    return this.#primary?.session === session;
  }

  /** Asks the primary, whoever it is, to let this worker in. `fresh`: a new round (the previous primary is gone). */
  #join(fresh: boolean): void {
    if (this.#closed || !this.#bus.connected) return;
    const now = Date.now();
    if (fresh) this.#attempt = nanoid();
    // A `here` and a beat may both ask for a join: one per half beat is plenty.
    else if (now - this.#lastJoin < this.#bus.timing.beatMs / 2) return;
    this.#lastJoin = now;
    this.#bus.publish(this.#bus.subjects.primary, {
      t: 'join',
      s: this.#bus.session,
      j: this.#attempt,
      pid: process.pid,
      host: this.#host,
    });
  }

  #welcomed(session: string, workerId: number): void {
    const link: PeerLink = {
      info: PRIMARY_PEER,
      send: (frame, done) => (this.#primary?.link === link ? this.#bus.sendFrame(session, frame, done) : 'closed'),
    };
    this.#self = this.#info(workerId);
    this.#primary = { session, link, heard: Date.now() };
    this.#handlers.joined(link);
  }

  /** The primary is gone: the rpc layer fails the calls in flight to it and holds new ones. */
  #lose(why: string): void {
    const primary = this.#primary;
    if (!primary) return;
    this.#primary = undefined;
    this.#bus.forget(primary.session);
    this.#handlers.left(primary.link, why);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const primary = this.#primary;
    this.#primary = undefined;
    if (primary) this.#bus.sendControl(primary.session, { t: 'leave', s: this.#bus.session });
    await this.#bus.close();
  }
}
