/**
 * Watches the main thread while something runs: the longest task the browser
 * reports (PerformanceObserver 'longtask', Chromium only) and the largest gap
 * between turns of a requestAnimationFrame loop and of a setTimeout(0) loop
 * (both browsers). A gap is how long the page could not paint or handle input.
 */
export interface MainThreadReport {
  /** Longest 'longtask' entry in ms, or null where the browser has no such entries. */
  longestTaskMs: number | null;
  longTasksOver50Ms: number | null;
  largestFrameGapMs: number;
  largestTimerGapMs: number;
}

export interface MainThreadMonitor {
  stop(): Promise<MainThreadReport>;
}

export function watchMainThread(): MainThreadMonitor {
  const supportsLongTask = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
  let longest = 0;
  let over50 = 0;
  const observer = supportsLongTask
    ? new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          longest = Math.max(longest, entry.duration);
          if (entry.duration > 50) over50++;
        }
      })
    : null;
  observer?.observe({ type: 'longtask', buffered: false });

  let running = true;
  let frameGap = 0;
  let lastFrame = performance.now();
  const onFrame = (now: number): void => {
    frameGap = Math.max(frameGap, now - lastFrame);
    lastFrame = now;
    if (running) requestAnimationFrame(onFrame);
  };
  requestAnimationFrame((now) => {
    lastFrame = now;
    requestAnimationFrame(onFrame);
  });

  let timerGap = 0;
  let lastTimer = performance.now();
  const onTimer = (): void => {
    const now = performance.now();
    timerGap = Math.max(timerGap, now - lastTimer);
    lastTimer = now;
    if (running) setTimeout(onTimer, 0);
  };
  setTimeout(onTimer, 0);

  return {
    async stop() {
      // Let the loops and the observer see the tail of the work before reading them.
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = false;
      if (observer) {
        for (const entry of observer.takeRecords()) {
          longest = Math.max(longest, entry.duration);
          if (entry.duration > 50) over50++;
        }
        observer.disconnect();
      }
      return {
        longestTaskMs: supportsLongTask ? longest : null,
        longTasksOver50Ms: supportsLongTask ? over50 : null,
        largestFrameGapMs: frameGap,
        largestTimerGapMs: timerGap,
      };
    },
  };
}
