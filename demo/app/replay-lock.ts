/**
 * One replay at a time across the tabs of this origin: two tabs replaying the
 * same traces would deliver them twice. `ifAvailable` means a tab that finds
 * another replaying simply skips (the traces are being delivered), and the
 * lock is held for one replay only, never for a session (a frozen tab must
 * not hold it forever).
 */
export async function withReplayLock<T>(name: string, run: () => Promise<T>): Promise<T | null> {
  if (typeof navigator.locks?.request !== 'function') return run();
  return navigator.locks.request(name, { ifAvailable: true }, (lock) => (lock ? run() : null));
}
