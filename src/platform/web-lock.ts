/**
 * The one place that touches `navigator.locks`. Locks here guard one short
 * step at a time (a claim, a replay pass), never a session: a frozen
 * background tab can hold a lock for as long as it stays frozen (dxos#11757).
 */

export interface WebLockOptions {
  /** Give up at once (resolving `undefined`) if another context holds the lock. */
  ifAvailable?: boolean;
  signal?: AbortSignal;
}

interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

function lockManager(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks && typeof locks.request === 'function' ? locks : undefined;
}

/** Whether Web Locks exist here (not in old Safari, nor in insecure contexts). */
export function webLocksAvailable(): boolean {
  return lockManager() !== undefined;
}

/**
 * Runs `fn` holding the lock `name`, shared by every tab and worker of the
 * origin. With `ifAvailable`, resolves `undefined` without running `fn` when
 * the lock is taken. Without Web Locks, runs `fn` unguarded: callers check
 * `webLocksAvailable()` and say that coordination is off.
 */
export async function withWebLock<T>(
  name: string,
  fn: () => Promise<T>,
  options: WebLockOptions = {},
): Promise<T | undefined> {
  const locks = lockManager();
  if (!locks) return fn();
  let ran = false;
  let result: T | undefined;
  const request: { ifAvailable?: boolean; signal?: AbortSignal } = {};
  if (options.ifAvailable) request.ifAvailable = true;
  if (options.signal) request.signal = options.signal;
  // The lock is released when the callback's promise settles, so `fn`'s
  // failure releases it too (the equivalent of a `finally`).
  await locks.request(name, request, async (lock) => {
    if (lock === null) return;
    ran = true;
    result = await fn();
  });
  return ran ? result : undefined;
}
