/**
 * The one place that touches `navigator.locks`. A lock is held for one short
 * step, never for a session: a frozen background tab (BFCache) can otherwise
 * keep it forever (dxos#11757).
 */
export interface WebLockOptions {
  /** Run only if the lock is free right now; resolves `undefined` without running otherwise. */
  ifAvailable?: boolean;
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
  const request: LockOptions = options.ifAvailable ? { ifAvailable: true } : {};
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
