/** The primary gathering every process's report, keeping what it learnt so totals never go backwards. @module */
import { RpcError } from '../wire/errors.js';
import { type ProcessFamilies, RetiredSeries } from './merge.js';
import type { CountsSnapshot } from './recorder.js';
import { isReport, type ProcessReport } from './report.js';
import { CountsSum } from './totals.js';
import type { ClusterMetrics, MissingWorker, ProcessMetrics } from './types.js';

/** The counts of a process that counts nothing (metrics off there). */
const NO_COUNTS: CountsSnapshot = Object.freeze({
  calls: [],
  inFlight: [],
  streams: [],
  openStreams: [],
  events: [],
  workers: Object.freeze({ joins: 0, exits: 0, restarts: 0 }),
});

interface GatherTarget {
  readonly workerId: number;
  readonly pid: number;
  report(timeoutMs: number): Promise<unknown>;
  /** Every worker was asked: send now, so all requests leave back to back. */
  asked?(): void;
}

interface GatherHost {
  ownReport(): Promise<ProcessReport>;
  workers(): readonly GatherTarget[];
}

/** The label of the primary's series where series are per process. */
export const PRIMARY_SLOT = 'primary';

/** One gather, with the sums kept across gathers. */
export interface Gathered {
  readonly metrics: ClusterMetrics;
  /** The slot label of each live process, by worker id (0: the primary). */
  readonly slots: ReadonlyMap<number, string>;
  /** By source name: each live process's families (the primary first, then by slot), and those of processes gone. */
  readonly sources: ReadonlyMap<string, { readonly processes: readonly ProcessFamilies[]; readonly retired?: RetiredSeries }>;
}

export class MetricsGatherer {
  /** The last report of each process still counted as live, by worker id (0: the primary). */
  readonly #last = new Map<number, ProcessReport>();
  readonly #retired = new CountsSum();
  readonly #retiredSources = new Map<string, RetiredSeries>();
  readonly #slots = new Map<number, number>();
  /** Instances whose counts are final: a late answer of theirs (from a gather that overlapped another) is not counted again. */
  readonly #retiredInstances = new Set<string>();

  constructor(private readonly host: GatherHost) {}

  async gather(timeoutMs: number): Promise<Gathered> {
    const targets = this.host.workers();
    // The workers are asked first: the primary's own report is made while they make theirs.
    const asked = targets.map((target) =>
      target.report(timeoutMs).then(
        (value): ProcessReport | RpcError =>
          isReport(value) ? value : new RpcError('UNSERIALIZABLE', `Worker ${target.workerId} answered a malformed report`),
        (error: unknown) =>
          error instanceof RpcError ? error : new RpcError('INTERNAL_ERROR', `Worker ${target.workerId}: ${String(error)}`),
      ),
    );
    for (const target of targets) target.asked?.();
    const [own, ...answers] = await Promise.all([this.host.ownReport(), ...asked]);

    const live = new Set<number>([0, ...targets.map((target) => target.workerId)]);
    // Workers gone since the last gather: their last counts join the retired sums.
    for (const [workerId, report] of this.#last) if (!live.has(workerId)) this.#retire(workerId, report);
    const slots = this.#assignSlots(live);
    const ownReport = { ...(own as ProcessReport), workerId: 0 };
    const answered: ProcessReport[] = [ownReport];
    const missing: MissingWorker[] = [];
    this.#keep(ownReport);
    targets.forEach((target, index) => {
      const answer = answers[index];
      if (answer instanceof RpcError || answer === undefined) {
        missing.push({
          workerId: target.workerId,
          pid: target.pid,
          error: answer ?? new RpcError('INTERNAL_ERROR', 'No answer'),
        });
        return;
      }
      // Known by the id the primary reaches it under, whatever it says.
      const report = { ...answer, workerId: target.workerId };
      this.#keep(report);
      answered.push(report);
    });

    const totals = this.#retired.clone();
    for (const report of this.#last.values()) totals.add(report.counts);

    const processes: ProcessMetrics[] = answered.map((report) => {
      const { calls, inFlight, streams, openStreams, events, workers } = report.counts ?? NO_COUNTS;
      return { workerId: report.workerId, pid: report.pid, calls, inFlight, streams, openStreams, events, workers };
    });
    return { metrics: { processes, missing, totals: totals.totals() }, slots, sources: this.#sources(answered, slots) };
  }

  /** Frees the slots of workers gone and gives new ones the lowest free slots; returns every live process's label. */
  #assignSlots(live: ReadonlySet<number>): Map<number, string> {
    for (const workerId of this.#slots.keys()) if (!live.has(workerId)) this.#slots.delete(workerId);
    const taken = new Set(this.#slots.values());
    let free = 0;
    const labels = new Map<number, string>([[0, PRIMARY_SLOT]]);
    for (const workerId of [...live].sort((a, b) => a - b)) {
      if (workerId === 0) continue;
      let slot = this.#slots.get(workerId);
      if (slot === undefined) {
        while (taken.has(free)) free++;
        slot = free;
        taken.add(slot);
        this.#slots.set(workerId, slot);
      }
      labels.set(workerId, String(slot));
    }
    return labels;
  }

  /** Each source's families by process: those that answered, and the last of live ones that did not. */
  #sources(answered: readonly ProcessReport[], slots: ReadonlyMap<number, string>): Gathered['sources'] {
    const fresh = new Set(answered.map((report) => report.workerId));
    const order = (workerId: number): number => (workerId === 0 ? -1 : Number(slots.get(workerId)));
    const reports = [...this.#last.values()]
      .filter((report) => slots.has(report.workerId))
      .sort((a, b) => order(a.workerId) - order(b.workerId));
    const sources = new Map<string, { processes: ProcessFamilies[]; retired?: RetiredSeries }>();
    for (const report of reports) {
      for (const [name, families] of Object.entries(report.sources)) {
        let source = sources.get(name);
        if (!source) {
          source = { processes: [] };
          sources.set(name, source);
        }
        source.processes.push({ slot: slots.get(report.workerId) as string, fresh: fresh.has(report.workerId), families });
      }
    }
    for (const [name, retired] of this.#retiredSources) {
      const source = sources.get(name);
      if (source) source.retired = retired;
      else sources.set(name, { processes: [], retired });
    }
    return sources;
  }

  /** Keeps `report` as its process's last; the same worker id under a new process (or rpc object) makes the old one's counts final. */
  #keep(report: ProcessReport): void {
    if (this.#retiredInstances.has(report.instance)) return;
    const previous = this.#last.get(report.workerId);
    // Gathers may overlap: an answer older than the one kept (same process, lower seq) must not replace it.
    if (previous?.instance === report.instance && previous.seq >= report.seq) return;
    if (previous && previous.instance !== report.instance) this.#retire(report.workerId, previous);
    this.#last.set(report.workerId, report);
  }

  #retire(workerId: number, report: ProcessReport): void {
    this.#last.delete(workerId);
    this.#retiredInstances.add(report.instance);
    this.#retired.add(report.counts);
    for (const [name, families] of Object.entries(report.sources)) {
      let retired = this.#retiredSources.get(name);
      if (!retired) {
        retired = new RetiredSeries();
        this.#retiredSources.set(name, retired);
      }
      retired.add(families);
    }
  }
}
