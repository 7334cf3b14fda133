/**
 * Heartbeats and the liveness bound. Every process beats every quarter of the bound; a peer silent for the other three
 * quarters is gone, so a dead peer is noticed at most one bound after its last message. A process that finds its own clock
 * stalled that long (stopped, or blocked) assumes its peers have given up on it, and starts over with a new session. @module
 */

/** How long a silent peer counts as alive by default. */
export const DEFAULT_LIVENESS_MS = 3000;

/** The smallest liveness bound accepted: beats below 25 ms would cost more than they tell. */
export const MIN_LIVENESS_MS = 100;

export interface Timing {
  readonly livenessMs: number;
  readonly beatMs: number;
  /** Silence after which a peer is gone (a process, stalled). */
  readonly silenceMs: number;
  /** How long a would-be primary waits for rivals to answer its claim. */
  readonly claimWindowMs: number;
}

export function timing(livenessMs: number): Timing {
  const beatMs = Math.floor(livenessMs / 4);
  // Rivals answer within a round trip; a tenth of the bound leaves room for a slow network.
  const claimWindowMs = Math.min(500, Math.max(50, Math.floor(livenessMs / 10)));
  return { livenessMs, beatMs, silenceMs: livenessMs - beatMs, claimWindowMs };
}

/** Calls `beat` every `beatMs`, or `stalled` instead when the gap since the last beat exceeds `silenceMs`. */
export class Beats {
  readonly #timing: Timing;
  readonly #beat: (now: number) => void;
  readonly #stalled: (gapMs: number) => void;
  #timer: NodeJS.Timeout | undefined = undefined;
  #last = 0;

  constructor(timing: Timing, beat: (now: number) => void, stalled: (gapMs: number) => void) {
    this.#timing = timing;
    this.#beat = beat;
    this.#stalled = stalled;
  }

  start(): void {
    if (this.#timer) return;
    this.#last = Date.now();
    this.#timer = setInterval(this.#tick, this.#timing.beatMs);
    // The NATS socket keeps the process alive while it is open; the beat alone should not.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    const now = Date.now();
    const gap = now - this.#last;
    this.#last = now;
    if (gap > this.#timing.silenceMs) this.#stalled(gap);
    else this.#beat(now);
  };
}
