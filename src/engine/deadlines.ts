/** Call timeouts without a timer per call: one list and timer per timeout length (docs/design.md, "Grouped timers"). @module */

/** What {@link Deadlines} keeps: an entry links itself into its line. */
export interface Expiring {
  /** On the `performance.now()` clock. */
  expiresAt: number;
  older: Expiring | undefined;
  newer: Expiring | undefined;
  line: Line | undefined;
}

/** The entries of one timeout length, oldest first, and the timer for the oldest. */
export class Line {
  oldest: Expiring | undefined = undefined;
  newest: Expiring | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(readonly ms: number) {}
}

export class Deadlines<TEntry extends Expiring> {
  readonly #lines = new Map<number, Line>();

  /** @param expire - Told once for each entry whose time ran out; the entry is already removed. */
  constructor(private readonly expire: (entry: TEntry) => void) {}

  add(entry: TEntry, ms: number): void {
    let line = this.#lines.get(ms);
    if (!line) {
      line = new Line(ms);
      this.#lines.set(ms, line);
    }
    entry.expiresAt = performance.now() + ms;
    entry.line = line;
    entry.older = line.newest;
    entry.newer = undefined;
    if (line.newest) line.newest.newer = entry;
    else line.oldest = entry;
    line.newest = entry;
    if (!line.timer) this.#arm(line, ms);
  }

  remove(entry: TEntry): void {
    const line = entry.line;
    if (!line) return;
    if (entry.older) entry.older.newer = entry.newer;
    else line.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else line.newest = entry.older;
    entry.line = undefined;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #arm(line: Line, ms: number): void {
    line.timer = setTimeout(this.#fire, ms, line);
    // A call waiting on its answer does not keep the process alive; the channel does.
    line.timer.unref();
  }

  readonly #fire = (line: Line): void => {
    line.timer = undefined;
    const now = performance.now();
    for (let entry = line.oldest; entry && entry.expiresAt <= now; entry = line.oldest) {
      this.remove(entry as TEntry);
      this.expire(entry as TEntry);
    }
    // A timer can fire a fraction of a millisecond before the clock says so: wait the rest.
    if (line.oldest) this.#arm(line, Math.max(1, line.oldest.expiresAt - now));
    else this.#lines.delete(line.ms); // a line is only ever dropped here, once its timer is spent
  };
}
