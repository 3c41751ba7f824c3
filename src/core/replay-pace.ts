import type { ClosingSignal } from './closing.js';

/** `replayRate`: the most a replay sends per second, in traces, in bytes of JSON, or both. */
export interface ReplayRate {
  tracesPerSecond?: number;
  bytesPerSecond?: number;
}

/**
 * Spaces a replay's batches so a device back from a week offline drains at a
 * steady pace instead of sending everything into the collector at once. Each
 * batch books its share of the rate (its traces over `tracesPerSecond`, its
 * bytes over `bytesPerSecond`, whichever is longer) and the next batch waits
 * until that time has passed. No credit builds up while idle, so a replay
 * never starts with a burst. A batch larger than one second's allowance still
 * goes, alone, and the one after it waits the longer.
 */
export class ReplayPace {
  /** When the next batch may go (ms since the epoch). */
  #nextAt = 0;
  readonly #rate: ReplayRate;

  constructor(rate: ReplayRate) {
    this.#rate = rate;
  }

  /** Whether a batch may go now. */
  ready(): boolean {
    return this.waitMs() === 0;
  }

  /** How long the next batch has to wait. */
  waitMs(): number {
    return Math.max(0, this.#nextAt - Date.now());
  }

  /** Resolves once a batch may go, or at once when the buffer closes: close() must not wait on the pace. */
  wait(closing: ClosingSignal): Promise<void> {
    const waitMs = this.waitMs();
    if (waitMs <= 0 || closing.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        closing.removeEventListener('abort', done);
        resolve();
      };
      // Not unref'd: a replay awaited in a Node script must not end with the process.
      const timer = setTimeout(done, waitMs);
      closing.addEventListener('abort', done);
    });
  }

  /** Books a batch about to be sent. */
  spend(traces: number, bytes: number): void {
    const { tracesPerSecond, bytesPerSecond } = this.#rate;
    const seconds = Math.max(
      tracesPerSecond === undefined ? 0 : traces / tracesPerSecond,
      bytesPerSecond === undefined ? 0 : bytes / bytesPerSecond,
    );
    this.#nextAt = Math.max(Date.now(), this.#nextAt) + seconds * 1000;
  }
}
