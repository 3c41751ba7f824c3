// No imports: `select-backend.ts` imports this statically to decide whether to
// load the OPFS backend at all, so it must not pull the backend in with it.

/** Whether this realm can use the OPFS backend: OPFS with sync access handles (dedicated workers). */
export function opfsAvailable(): boolean {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage;
  return (
    typeof storage?.getDirectory === 'function' &&
    typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function'
  );
}
