import type { PassOutcome } from './pass-context.js';

export interface AutoReplayOptions {
  /** Delay before the replay at start-up, so it does not compete with page load. Default 1,000 ms. */
  startupDelayMs?: number;
  /** First delay after a failed replay; it doubles after each failure. Default 5,000 ms. */
  initialDelayMs?: number;
  /** Longest delay between replays while traces remain. Default 300,000 ms (5 minutes). */
  maxDelayMs?: number;
}

export const AUTO_REPLAY_DEFAULTS: Required<AutoReplayOptions> = {
  startupDelayMs: 1_000,
  initialDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
};

/** Each delay is spread by ±20% so tabs that failed together do not retry together. */
const JITTER = 0.2;

export interface SchedulerHooks {
  /** Runs one replay pass (the buffer serialises passes). */
  run: () => Promise<PassOutcome>;
  /** Whether anything is left to deliver. */
  hasTraces: () => Promise<boolean>;
  isKnownOffline: () => boolean;
  /** `pause()` was called: no pass runs and none is scheduled until `resume()` triggers one. */
  isPaused: () => boolean;
  /** Reports a pass that threw (storage failure); the scheduler keeps going. */
  onPassError: (error: unknown) => void;
  random?: () => number;
}

/**
 * Decides when replay runs by itself: shortly after start-up, at once on
 * `online`, and on a backoff timer with jitter while traces remain. `online`
 * is only a hint: a pass that fails falls back to the timer.
 */
export class ReplayScheduler {
  private delayMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private rerun = false;
  private stopped = false;
  /** When the next timed pass is due (ms since the epoch), for the status. */
  nextRunAt: number | null = null;

  constructor(
    private readonly options: Required<AutoReplayOptions>,
    private readonly hooks: SchedulerHooks,
  ) {
    this.delayMs = options.initialDelayMs;
  }

  start(): void {
    this.schedule(this.options.startupDelayMs);
  }

  /** The network came back: forget the backoff and try now. */
  online(): void {
    this.delayMs = this.options.initialDelayMs;
    this.trigger();
  }

  /** `resume()`: the user says the cause of a block is fixed (logged in again): forget the backoff, try now. */
  resume(): void {
    this.online();
  }

  /** A trace was buffered: make sure a pass is due, without hurrying one that is. */
  stored(): void {
    if (!this.timer && !this.running && !this.hooks.isPaused()) this.schedule(this.delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRunAt = null;
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRunAt = null;
    void this.pass();
  }

  /** `atLeastMs` is a collector's `Retry-After`: jitter never brings a retry before it. */
  private schedule(delayMs: number, atLeastMs = 0): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const spread = Math.max(atLeastMs, delayMs * (1 - JITTER + 2 * JITTER * (this.hooks.random ?? Math.random)()));
    this.nextRunAt = Date.now() + spread;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextRunAt = null;
      void this.pass();
    }, spread);
    // In Node a pending retry must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private async pass(): Promise<void> {
    if (this.stopped || this.hooks.isPaused()) return;
    if (this.hooks.isKnownOffline()) {
      // Sending now would fail for sure; `online` will call us. Keep a slow
      // timer anyway in case that event never comes (workers in Chromium).
      this.schedule(this.delayMs);
      return;
    }
    this.running = true;
    let retryLater = false;
    let retryAfterMs = 0;
    let remaining = false;
    try {
      const outcome = await this.hooks.run();
      retryLater = outcome.retryLater || outcome.skipped !== undefined;
      retryAfterMs = outcome.retryAfterMs ?? 0;
      remaining = await this.hooks.hasTraces();
    } catch (error) {
      this.hooks.onPassError(error);
      retryLater = true;
      remaining = true;
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.rerun) {
      this.rerun = false;
      this.trigger();
      return;
    }
    if (!remaining) {
      this.delayMs = this.options.initialDelayMs;
      return;
    }
    if (retryLater) {
      const wait = this.delayMs;
      this.delayMs = Math.min(this.options.maxDelayMs, this.delayMs * 2);
      this.schedule(wait, retryAfterMs);
    } else {
      // Delivered what the pass covered but more arrived meanwhile: go again soon.
      this.delayMs = this.options.initialDelayMs;
      this.schedule(0);
    }
  }
}
