import { describeError, errorName, TraceBufferError } from '../../core/errors.js';
import { withWebLock } from '../../platform/web-lock.js';
import { isStoreOf, type StoreDeletion } from '../store-names.js';
import { opfsLockName, ROOT_DIRECTORY } from './folder-names.js';

/** How long a removal retries while a sync access handle someone holds outside our lock keeps a file busy. */
const BUSY_RETRY_DELAY_MS = 50;

/**
 * Removes the OPFS folders of buffer `name` and of its companions (every
 * `<name>` and `<name>~...` under `offline-trace-buffer/`), each under the
 * Web Lock its steps hold, so no worker's sync access handle is open on it
 * then. Runs in windows too: only the async OPFS API is used. A worker that
 * had the folder open finds it gone on its next step and starts an empty one
 * (see atomic-step.ts). Where OPFS cannot be reached (no `getDirectory`, a
 * private window), no buffer of this context could have written there.
 */
export async function deleteOpfsFolders(name: string, blockedTimeoutMs: number): Promise<StoreDeletion> {
  const base = await baseDirectory();
  if (!base) return { removed: [], failures: [] };
  const stores: string[] = [];
  for await (const entry of base.keys()) if (isStoreOf(name, entry)) stores.push(entry);
  const removed: string[] = [];
  const failures: unknown[] = [];
  for (const store of stores) {
    try {
      if (await withWebLock(opfsLockName(store), () => removeFolder(base, store, blockedTimeoutMs))) {
        removed.push(`${ROOT_DIRECTORY}/${store}`);
      }
    } catch (error) {
      failures.push(error);
    }
  }
  return { removed, failures };
}

async function baseDirectory(): Promise<FileSystemDirectoryHandle | undefined> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage || typeof storage.getDirectory !== 'function') return undefined;
  let root: FileSystemDirectoryHandle;
  try {
    root = await storage.getDirectory();
  } catch (error) {
    // Firefox private windows and WebKitGTK refuse OPFS here (SecurityError): nothing can be stored in it.
    if (errorName(error) === 'SecurityError' || errorName(error) === 'NotSupportedError') return undefined;
    throw error;
  }
  try {
    return await root.getDirectoryHandle(ROOT_DIRECTORY);
  } catch (error) {
    if (errorName(error) === 'NotFoundError') return undefined;
    throw error;
  }
}

/** True if removed, false if already gone; retries while a handle held outside our lock keeps it busy. */
async function removeFolder(
  base: FileSystemDirectoryHandle,
  store: string,
  blockedTimeoutMs: number,
): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    try {
      await base.removeEntry(store, { recursive: true });
      return true;
    } catch (error) {
      const name = errorName(error);
      if (name === 'NotFoundError') return false;
      const busy = name === 'NoModificationAllowedError';
      if (!busy) {
        throw new TraceBufferError(
          'STORAGE_FAILED',
          `OPFS folder "${store}" could not be removed (${describeError(error)}).`,
          {
            cause: error,
          },
        );
      }
      if (Date.now() - started > blockedTimeoutMs) {
        const message = `OPFS folder "${store}" stayed open in another handle for ${blockedTimeoutMs} ms (${describeError(error)}).`;
        throw new TraceBufferError('DELETE_BLOCKED', message, { cause: error, details: { store } });
      }
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_DELAY_MS));
    }
  }
}
