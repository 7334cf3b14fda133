/**
 * The primary gathering every process's report, with a deadline, and keeping
 * what it learnt so totals never go backwards: a worker that does not answer
 * counts with its last report; one that exited or was replaced has its last
 * report folded into the sums of retired processes.
 *
 * @module
 */
import { RpcError } from '../wire/errors.js';
import { isReport, type ProcessReport } from './report.js';
import { CountsSum, FamiliesSum } from './totals.js';
import type { ClusterMetrics, MetricFamily, MissingWorker, ProcessMetrics } from './types.js';

/** A live worker, as the gatherer reaches it. */
export interface GatherTarget {
  readonly workerId: number;
  readonly pid: number;
  /** Calls the worker's reserved procedure; rejects with an `RpcError`. */
  report(timeoutMs: number): Promise<unknown>;
}

/** What gathering needs from the primary. */
export interface GatherHost {
  /** The primary's own report. */
  ownReport(): Promise<ProcessReport>;
  /** The workers alive now. */
  workers(): readonly GatherTarget[];
}

/** One gather: what answered and what did not, with the sums kept across gathers. */
export interface Gathered {
  readonly metrics: ClusterMetrics;
  /** Each source's families: those of the processes that answered, for their gauges. */
  readonly answered: ReadonlyArray<{ readonly workerId: number; readonly sources: ProcessReport['sources'] }>;
  /** Each source's counters and histograms, summed like `metrics.totals`. */
  readonly sourceTotals: ReadonlyMap<string, readonly MetricFamily[]>;
}

/** Gathers reports and keeps the last one of every process it has seen. */
export class MetricsGatherer {
  /** The last report of each process still counted as live, by worker id (0: the primary). */
  readonly #last = new Map<number, ProcessReport>();
  /** The sums of processes that exited or were replaced. */
  readonly #retired = new CountsSum();
  readonly #retiredSources = new Map<string, FamiliesSum>();
  /** Instances whose counts are final: a late answer of theirs (from a gather that overlapped another) is not counted again. */
  readonly #retiredInstances = new Set<string>();

  constructor(private readonly host: GatherHost) {}

  async gather(timeoutMs: number): Promise<Gathered> {
    const targets = this.host.workers();
    const [own, ...answers] = await Promise.all([
      this.host.ownReport(),
      ...targets.map((target) =>
        target.report(timeoutMs).then(
          (value): ProcessReport | RpcError =>
            isReport(value) ? value : new RpcError('UNSERIALIZABLE', `Worker ${target.workerId} answered a malformed report`),
          (error: unknown) =>
            error instanceof RpcError ? error : new RpcError('INTERNAL_ERROR', `Worker ${target.workerId}: ${String(error)}`),
        ),
      ),
    ]);

    const live = new Set<number>([0, ...targets.map((target) => target.workerId)]);
    // Workers gone since the last gather: their last counts join the retired sums.
    for (const [workerId, report] of this.#last) if (!live.has(workerId)) this.#retire(workerId, report);
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
    const sourceTotals = new Map<string, FamiliesSum>();
    for (const [name, sum] of this.#retiredSources) sourceTotals.set(name, sum.clone());
    for (const report of this.#last.values()) {
      totals.add(report.counts);
      for (const [name, families] of Object.entries(report.sources)) sumOf(sourceTotals, name).add(families);
    }

    const processes: ProcessMetrics[] = answered.map((report) => {
      const counts = report.counts ?? { calls: [], inFlight: [], events: [], workers: { joins: 0, exits: 0, restarts: 0 } };
      const { calls, inFlight, events, workers } = counts;
      return { workerId: report.workerId, pid: report.pid, calls, inFlight, events, workers };
    });
    return {
      metrics: { processes, missing, totals: totals.totals() },
      answered: answered.map((report) => ({ workerId: report.workerId, sources: report.sources })),
      sourceTotals: new Map([...sourceTotals].map(([name, sum]) => [name, sum.families()])),
    };
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
    for (const [name, families] of Object.entries(report.sources)) sumOf(this.#retiredSources, name).add(families);
  }
}

function sumOf(sums: Map<string, FamiliesSum>, name: string): FamiliesSum {
  let sum = sums.get(name);
  if (!sum) {
    sum = new FamiliesSum();
    sums.set(name, sum);
  }
  return sum;
}
