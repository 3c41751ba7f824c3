import { TraceBufferError } from '../core/errors.js';
import type { BackendChoice } from '../core/trace-buffer.js';
import type { StorageChoice } from '../core/options.js';
import { indexedDbBackend } from './indexeddb-backend.js';
import { memoryBackend } from './memory-backend.js';

export interface SelectOptions {
  name: string;
  storage: StorageChoice;
  durability: IDBTransactionDurability;
}

/** The database behind a buffer name; one per buffer so names never collide. */
export function databaseNameFor(name: string): string {
  return `offline-trace-buffer:${name}`;
}

/**
 * Picks and opens the storage. 'auto' probes by opening, not by feature
 * detection: Firefox private windows have `indexedDB` but `open` fails with
 * InvalidStateError (idb#81), so only a real open tells.
 */
export async function selectBackend(options: SelectOptions): Promise<BackendChoice> {
  const { storage } = options;
  if (typeof storage === 'object') return { backend: storage, fallbackReason: null };
  if (storage === 'memory') return { backend: memoryBackend(), fallbackReason: null };

  const available = typeof indexedDB !== 'undefined' && typeof IDBKeyRange !== 'undefined';
  if (!available) {
    const reason = 'IndexedDB is not available in this environment';
    if (storage === 'indexeddb')
      throw new TraceBufferError('STORAGE_UNAVAILABLE', `${reason}; storage 'indexeddb' was asked for.`);
    return { backend: memoryBackend(), fallbackReason: reason };
  }
  const backend = indexedDbBackend({ databaseName: databaseNameFor(options.name), durability: options.durability });
  try {
    await backend.open();
    return { backend, fallbackReason: null };
  } catch (error) {
    if (storage === 'indexeddb') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return { backend: memoryBackend(), fallbackReason: reason };
  }
}
