/**
 * The one place that touches `navigator.locks`. A lock is held for one short
 * step, never for a session: a frozen background tab (BFCache) can otherwise
 * keep it forever (dxos#11757).
 */
export interface WebLockOptions {
  /** Run only if the lock is free right now; resolves `undefined` without running otherwise. */
  ifAvailable?: boolean;
  /** Stops waiting for the lock (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` while holding the origin-wide lock `name` (shared by every tab and
 * worker of the origin). Where `navigator.locks` is missing (Node, edge
 * runtimes, old browsers) `fn` runs without a lock: callers that need mutual
 * exclusion there must get it another way.
 */
export async function withWebLock<T>(
  name: string,
  fn: () => Promise<T>,
  options: WebLockOptions = {},
): Promise<T | undefined> {
  const locks = lockManager();
  if (!locks) return fn();
  // `ifAvailable` and `signal` together are a NotSupportedError; pass only what was asked.
  const request: LockOptions = {};
  if (options.ifAvailable) request.ifAvailable = true;
  else if (options.signal) request.signal = options.signal;
  return locks.request(name, request, (lock) => (lock ? fn() : undefined));
}

/** Whether `withWebLock` really locks here. */
export function webLocksAvailable(): boolean {
  return lockManager() !== undefined;
}

function lockManager(): LockManager | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManager } }).navigator;
  return navigator?.locks && typeof navigator.locks.request === 'function' ? navigator.locks : undefined;
}
