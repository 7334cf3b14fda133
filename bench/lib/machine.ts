/**
 * The machine and the Node a run measured, so figures are never read without them: printed when the run starts and ends, and
 * recorded in every output.
 */
import os from 'node:os';

/** What the results say about the machine. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly totalMemoryGiB: number;
  readonly platform: string;
  /** `v20.20.2` */
  readonly node: string;
  /** The Node binary that ran the benchmark (another major can be run from a registry package). */
  readonly nodePath: string;
  readonly v8: string;
  /** 1-minute load average when the run started: other work on the machine shows here. */
  readonly loadAverageAtStart: number;
  /** The 1-, 5- and 15-minute load averages when the run started. */
  readonly loadAveragesAtStart: readonly [number, number, number];
  /** 1-minute load average when the run ended (absent until then). */
  readonly loadAverageAtEnd?: number;
}

function rounded(value: number | undefined): number {
  return Math.round((value ?? 0) * 100) / 100;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  const [one, five, fifteen] = os.loadavg();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodePath: process.execPath,
    v8: process.versions.v8,
    loadAverageAtStart: rounded(one),
    loadAveragesAtStart: [rounded(one), rounded(five), rounded(fifteen)],
  };
}

/** `machine` with the load average of now as its end. */
export function finishMachine(machine: MachineInfo): MachineInfo {
  return { ...machine, loadAverageAtEnd: rounded(os.loadavg()[0]) };
}

/** `Node v20.20.2 on AMD EPYC, 2 cores, 23.5 GiB (Linux 6.1 x64); load 0.52 / 0.31 / 0.20 (1/5/15 min) at start, 1.93 at end` */
export function machineLine(machine: MachineInfo): string {
  const [one, five, fifteen] = machine.loadAveragesAtStart;
  const end = machine.loadAverageAtEnd === undefined ? '' : `, ${machine.loadAverageAtEnd} at end`;
  return `Node ${machine.node} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGiB} GiB (${machine.platform}); load ${one} / ${five} / ${fifteen} (1/5/15 min) at start${end}`;
}
