/** The primary over NATS: claims the role, numbers joining workers, beats, drops the silent. @module */
import { hostname } from 'node:os';
import { type PeerLink, PRIMARY_PEER, type TransportHandlers, type TransportPort } from '../transport.js';
import type { BusListener, NatsBus } from './bus.js';
import { type Control, claimedEarlier, type Identity, type Join } from './control.js';

interface Member {
  readonly session: string;
  /** The join attempt it answered: the same attempt again gets the same id. */
  readonly attempt: string;
  readonly workerId: number;
  readonly link: PeerLink;
  heard: number;
  /** Its first message after the welcome proves it is there; only then is it a peer (a forged join never is). */
  confirmed: boolean;
}

type State = 'waiting' | 'claiming' | 'active' | 'refused';

/** Rival primaries asked to confirm at once, at most (forged `here`s cost one message each, no more). */
const MAX_PROBES = 8;

export class PrimaryMembership implements BusListener {
  readonly #handlers: TransportHandlers;
  readonly #bus: NatsBus;
  readonly #cluster: string;
  readonly #identity: Identity = { pid: process.pid, host: hostname() };
  #state: State = 'waiting';
  /** When this primary claimed the role: the earlier claim wins. */
  #since = 0;
  /** A rival that wins against this claim, once one answered. */
  #beaten: (Identity & { readonly active: boolean }) | undefined = undefined;
  /** Counts claims, so a claim overtaken by a reconnection does not conclude. */
  #claims = 0;
  /** Sessions whose `here` claimed an earlier start, asked to confirm it, by when they were asked. */
  readonly #probes = new Map<string, number>();
  readonly #members = new Map<string, Member>();
  readonly #byId = new Map<number, Member>();
  /** Ids are never reused while this process lives. */
  #nextId = 1;
  #closed = false;

  constructor(handlers: TransportHandlers, bus: NatsBus, cluster: string) {
    this.#handlers = handlers;
    this.#bus = bus;
    this.#cluster = cluster;
  }

  port(): TransportPort {
    return {
      self: () => PRIMARY_PEER,
      // Members are confirmed in the order their first message comes, not always that of their ids.
      peers: () => [...this.#byId.values()].sort((a, b) => a.workerId - b.workerId).map((member) => member.link),
      peer: (workerId) => this.#byId.get(workerId)?.link,
      holdCallsWithoutPrimary: false,
      close: () => this.#close(),
    };
  }

  up(previous: string | undefined): void {
    if (previous !== undefined) this.#bus.publish(this.#bus.subjects.workers, { t: 'leave', s: previous });
    void this.#claim();
  }

  down(why: string): void {
    if (this.#state !== 'refused') this.#state = 'waiting';
    this.#dropAll(why);
  }

  failed(why: string): void {
    this.#dropAll(why);
    this.#handlers.failed(why);
  }

  /** Claims the role: asks every primary to answer, waits for rivals, and takes it unless one wins. */
  async #claim(): Promise<void> {
    const claim = ++this.#claims;
    const session = this.#bus.session;
    this.#state = 'claiming';
    this.#beaten = undefined;
    this.#since = Date.now();
    this.#bus.publish(this.#bus.subjects.primary, { t: 'claim', s: session, since: this.#since, ...this.#identity });
    await this.#bus.flush();
    await new Promise((resolve) => setTimeout(resolve, this.#bus.timing.claimWindowMs));
    if (claim !== this.#claims || this.#state !== 'claiming' || this.#closed || session !== this.#bus.session) return;
    if (this.#beaten) return this.#refuse(this.#beaten);
    this.#state = 'active';
    this.#announce();
  }

  #refuse(rival: Identity & { readonly active: boolean }): void {
    this.#state = 'refused';
    this.#bus.publish(this.#bus.subjects.workers, { t: 'leave', s: this.#bus.session });
    this.#bus.fail(
      `Another primary (pid ${rival.pid} on ${rival.host || 'an unnamed host'}) ${rival.active ? 'is active' : 'claimed the role first'} for the cluster '${this.#cluster}'; this one was refused`,
    );
  }

  #announce(): void {
    this.#bus.publish(this.#bus.subjects.workers, { t: 'here', s: this.#bus.session, since: this.#since, ...this.#identity });
  }

  beat(now: number): void {
    for (const [session, asked] of this.#probes) if (now - asked > this.#bus.timing.livenessMs) this.#probes.delete(session);
    if (this.#state !== 'active') return;
    this.#announce();
    const silence = this.#bus.timing.silenceMs;
    for (const member of [...this.#members.values()]) {
      if (now - member.heard > silence) this.#drop(member, `it was silent for ${silence} ms`);
    }
  }

  control(control: Control, from: string | undefined): void {
    switch (control.t) {
      case 'claim':
        return this.#claimed(control.s, control.since, control);
      case 'rival':
        if (from === undefined) return;
        if (this.#state === 'claiming') {
          if (control.active || claimedEarlier(control.since, from, this.#since, this.#bus.session)) this.#beaten = control;
        } else if (this.#state === 'active' && this.#probes.has(from) && control.active) {
          // A live primary confirmed it claimed first: the later claim steps down (its workers then join the other).
          if (claimedEarlier(control.since, from, this.#since, this.#bus.session)) {
            this.#dropAll('another primary is active');
            this.#refuse(control);
          }
        }
        return;
      case 'join':
        return this.#joined(control);
      case 'here':
        // Another active primary that claims to be earlier: ask it to confirm, so a forged `here` cannot depose this one.
        if (this.#state === 'active' && control.s !== this.#bus.session && !this.#probes.has(control.s)) {
          if (claimedEarlier(control.since, control.s, this.#since, this.#bus.session) && this.#probes.size < MAX_PROBES) {
            this.#probes.set(control.s, Date.now());
            this.#bus.sendControl(control.s, { t: 'claim', s: this.#bus.session, since: this.#since, ...this.#identity });
          }
        }
        return;
      case 'hb': {
        if (from === undefined) return;
        const member = this.#members.get(from);
        if (member) this.#heardFrom(member);
        else if (this.#state === 'active') this.#bus.sendControl(from, { t: 'unknown' });
        return;
      }
      case 'leave': {
        const member = this.#members.get(control.s);
        if (member) this.#drop(member, 'it closed its rpc object or lost its connection');
        return;
      }
      default:
        return; // welcome and unknown are for workers
    }
  }

  /** Another process claims the role: tell it about this one. */
  #claimed(session: string, since: number, claimant: Identity): void {
    if (session === this.#bus.session || (this.#state !== 'active' && this.#state !== 'claiming')) return;
    const active = this.#state === 'active';
    this.#bus.sendControl(session, { t: 'rival', active, since: this.#since, ...this.#identity });
    // Two claims at once: the earlier one wins; both sides see both claims.
    if (!active && claimedEarlier(since, session, this.#since, this.#bus.session)) this.#beaten = { ...claimant, active: false };
  }

  #joined(join: Join): void {
    if (this.#state !== 'active') return;
    const known = this.#members.get(join.s);
    if (known?.attempt === join.j) {
      this.#bus.sendControl(join.s, { t: 'welcome', id: known.workerId, j: join.j });
      return;
    }
    // The same session joining afresh gave up on this primary: what it had in flight is lost.
    if (known) this.#drop(known, 'it joined again');
    const workerId = this.#nextId++;
    const session = join.s;
    const link: PeerLink = {
      info: Object.freeze({ side: 'worker', workerId, pid: join.pid, host: join.host }),
      send: (frame, done) => (this.#byId.get(workerId)?.link === link ? this.#bus.sendFrame(session, frame, done) : 'closed'),
    };
    const member: Member = { session, attempt: join.j, workerId, link, heard: Date.now(), confirmed: false };
    this.#members.set(session, member);
    this.#bus.sendControl(session, { t: 'welcome', id: workerId, j: join.j });
  }

  /** Any message from a member keeps it alive; the first one makes it a peer. */
  #heardFrom(member: Member): void {
    member.heard = Date.now();
    if (member.confirmed) return;
    member.confirmed = true;
    this.#byId.set(member.workerId, member);
    this.#handlers.joined(member.link);
  }

  frame(from: string, message: unknown): void {
    const member = this.#members.get(from);
    if (!member) return;
    this.#heardFrom(member);
    this.#handlers.received(member.link, message);
  }

  knows(session: string): boolean {
    return this.#members.has(session);
  }

  #drop(member: Member, why: string): void {
    if (this.#members.get(member.session) !== member) return;
    this.#members.delete(member.session);
    this.#byId.delete(member.workerId);
    this.#bus.forget(member.session);
    if (member.confirmed) this.#handlers.left(member.link, why);
  }

  #dropAll(why: string): void {
    for (const member of [...this.#members.values()]) this.#drop(member, why);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#state === 'active') this.#bus.publish(this.#bus.subjects.workers, { t: 'leave', s: this.#bus.session });
    this.#members.clear();
    this.#byId.clear();
    await this.#bus.close();
  }
}
