import type { StorageBackend } from '../core/storage-backend.js';
import { memoryBackend } from './memory-backend.js';
import { isStoreOf } from './store-names.js';

/**
 * The memory backends this JavaScript realm opened for a buffer name, so
 * `deleteTraceBuffer` can empty them: memory is the name's storage in this
 * context. A closed backend leaves the registry (no leak per buffer).
 */
const open = new Map<StorageBackend, string>();

export function namedMemoryBackend(name: string): StorageBackend {
  const backend = memoryBackend();
  const registered: StorageBackend = {
    ...backend,
    close: () => {
      open.delete(registered);
      return backend.close();
    },
  };
  open.set(registered, name);
  return registered;
}

/** Empties every memory store of `name` (and its companions) in this realm; returns the store names emptied. */
export async function clearMemoryStores(name: string): Promise<string[]> {
  const cleared: string[] = [];
  for (const [backend, store] of [...open]) {
    if (!isStoreOf(name, store)) continue;
    await backend.clear();
    cleared.push(store);
  }
  return cleared;
}
