/**
 * Reads V8 `.cpuprofile` files (from `node --cpu-prof`) and lists where the time went: the functions with the most self time,
 * overall and within cluster-rpc's own code (`src/`).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  /** `encodePayload src/codec.js:166`, `(garbage collector)`, `JSONParse node:internal/…` */
  readonly name: string;
  readonly ms: number;
  /** Share of the busy time (everything but idle). */
  readonly share: number;
  readonly ours: boolean;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  /** Busy time by where it went (see {@link categoryOf}), largest first. */
  readonly categories: ReadonlyArray<{ readonly name: string; readonly ms: number; readonly share: number }>;
}

/**
 * Where a function's time counts: the IPC channel and its JSON, the garbage collector, cluster-rpc, its dependencies, Node's
 * async machinery, or the benchmark itself. Time in a native write includes the kernel's (and being preempted inside the
 * syscall), since the profiler samples wall time.
 */
function categoryOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return 'V8/native (program)';
  if (OURS.test(url)) return 'cluster-rpc (src/)';
  if (/node_modules\/zod\//.test(url)) return 'zod';
  if (/node_modules\/superjson\//.test(url)) return 'superjson';
  if (/node_modules\/(nanoid|p-timeout|birpc)\//.test(url))
    return /nanoid/.test(url) ? 'nanoid' : /birpc/.test(url) ? 'birpc' : 'p-timeout';
  if (/bench\//.test(url)) return 'benchmark harness';
  if (
    /child_process|serialization/.test(url) ||
    /^(writeUtf8String|writeLatin1String|writeBuffer|readStart|onStreamRead|JSONParse|JSONStringify|parse|stringify)$/.test(
      functionName,
    )
  ) {
    return 'IPC channel + JSON (node)';
  }
  if (/async_hooks|async_context/.test(url) || /PromiseHook|emitInit|emitBefore|emitAfter|emitDestroy/.test(functionName)) {
    return 'async_hooks / AsyncLocalStorage (node)';
  }
  if (/timers/.test(url)) return 'timers (node)';
  if (/task_queues|promise|microtask/i.test(url) || functionName === 'runMicrotasks') return 'ticks, microtasks, promises (node)';
  if (/crypto/.test(url) || functionName === 'randomFillSync') return 'crypto (nanoid pool)';
  if (/esm|modules|bootstrap|realm/.test(url) || /compile|openFileHandle|internalModuleStat/.test(functionName)) {
    return 'start-up: module loading';
  }
  return 'other';
}

/** Where cluster-rpc's sources are, as the profile's URLs spell them (compiled or through tsx). */
const OURS = /\/src\/(?:[\w-]+\/)*[\w-]+\.(?:js|ts)$/;

function shortUrl(url: string): string {
  if (url === '') return '';
  const ours = /\/(src\/[\w-]+\.(?:js|ts))$/.exec(url);
  if (ours?.[1]) return ours[1];
  const dependency = /node_modules\/(?!\.cache)((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency?.[1]) return dependency[1];
  return url.replace(/^file:\/\/.*\/(bench\/)/, '$1');
}

/** Sums self time per function over a `.cpuprofile` file. */
export function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  /** Code without a name or a script (zod's compiled object parsers, for one) counts where its caller does. */
  const categoryOfNode = (id: number): string => {
    let current = byId.get(id);
    while (current && current.callFrame.url === '' && current.callFrame.functionName === '') {
      const parent = parentOf.get(current.id);
      current = parent === undefined ? undefined : byId.get(parent);
    }
    return current ? categoryOf(current.callFrame.functionName, current.callFrame.url) : 'other';
  };
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index++) {
    // The delta before sample i+1 is the time spent in sample i.
    const id = samples[index] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[index + 1] ?? 0));
  }
  const byName = new Map<string, { us: number; ours: boolean }>();
  const byCategory = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortUrl(frame.url);
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
    const category = categoryOfNode(id);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const entry = byName.get(name) ?? { us: 0, ours: OURS.test(frame.url) };
    entry.us += us;
    byName.set(name, entry);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const functions = [...byName]
    .map(([name, { us, ours }]) => ({ name, ms: us / 1000, share: us / busyUs, ours }))
    .sort((a, b) => b.ms - a.ms);
  const categories = [...byCategory]
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / busyUs }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions, categories };
}

/** The summary as text: the top `count` overall and the top `count` of cluster-rpc's code. */
export function renderProfileSummary(label: string, summary: ProfileSummary, count: number): string {
  const busy = summary.totalMs - summary.idleMs;
  const row = (entry: SelfTime): string =>
    `  ${entry.ms.toFixed(0).padStart(7)} ms ${(entry.share * 100).toFixed(1).padStart(5)} %  ${entry.name}`;
  const ours = summary.functions.filter((entry) => entry.ours);
  const oursMs = ours.reduce((sum, entry) => sum + entry.ms, 0);
  return [
    `${label}: ${busy.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms; cluster-rpc's own code ${oursMs.toFixed(0)} ms (${((oursMs / Math.max(1, busy)) * 100).toFixed(1)} %)`,
    ` by category: ${summary.categories.map((category) => `${category.name} ${(category.share * 100).toFixed(1)} %`).join(', ')}`,
    ' top self time, all code:',
    ...summary.functions.slice(0, count).map(row),
    ' top self time, cluster-rpc (src/):',
    ...ours.slice(0, count).map(row),
  ].join('\n');
}
