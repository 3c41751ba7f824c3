import type { ReplayResult } from 'offline-trace-buffer';
import type { DemoBuffer } from './demo-buffer.js';
import { withReplayLock } from './replay-lock.js';

/** How often buffered traces are retried while online, without failures. */
export const REPLAY_INTERVAL_MS = 5_000;
/** Longest wait between retries after repeated failures. */
const MAX_REPLAY_INTERVAL_MS = 60_000;
const REPLAY_LOCK_NAME = 'otb-demo:replay';

export interface ReplayScheduler {
  /** Replays now (after the running replay, if any). */
  trigger(): void;
  stop(): void;
}

export interface ReplaySchedulerOptions {
  buffer: () => DemoBuffer;
  onReplayed: (result: ReplayResult) => void;
  onError: (error: unknown) => void;
}

/**
 * Replays on start-up, on `online`, and on a timer that backs off while the
 * collector keeps failing: `online` only says a network exists, not that the
 * collector answers (sentry-javascript#6403).
 */
export function startReplayScheduler(options: ReplaySchedulerOptions): ReplayScheduler {
  let running = false;
  let again = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = (): void => {
    clearTimeout(timer);
    if (stopped) return;
    const delay = Math.min(REPLAY_INTERVAL_MS * 2 ** failures, MAX_REPLAY_INTERVAL_MS);
    timer = setTimeout(() => void run(), delay);
  };

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      // Known offline: an attempt would fail and count against each trace's attempts.
      if (!navigator.onLine) return;
      const buffer = options.buffer();
      if ((await buffer.getBufferStatus()).totalTraces === 0) {
        failures = 0;
        return;
      }
      const result = await withReplayLock(REPLAY_LOCK_NAME, () => buffer.replay());
      if (result === null) return; // another tab is replaying these traces right now
      failures = result.failureCount > 0 ? Math.min(failures + 1, 8) : 0;
      options.onReplayed(result);
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
      if (again && !stopped) {
        again = false;
        void run();
      } else {
        schedule();
      }
    }
  };

  const onOnline = (): void => {
    failures = 0;
    void run();
  };
  window.addEventListener('online', onOnline);
  void run();

  return {
    trigger: () => void run(),
    stop() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', onOnline);
    },
  };
}
