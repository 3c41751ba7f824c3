import type { DeadLetterStore } from '../core/dead-letters.js';
import type { StorageBackend } from '../core/storage-backend.js';
import { databaseExists } from './indexeddb/database-exists.js';
import { databaseNameFor, indexedDbBackend, type IndexedDbDurability } from './indexeddb/index.js';
import { namedMemoryBackend } from './memory-registry.js';
import { DEAD_LETTERS_SUFFIX } from './store-names.js';

export interface DeadLetterStoreOptions {
  name: string;
  /** The user's own `storage` backend, if one was given. */
  custom: StorageBackend | undefined;
  /** Where a custom backend's dead letters go; else memory. */
  deadLetterBackend: StorageBackend | undefined;
  durability: IndexedDbDurability;
}

/** `~` is not allowed in a buffer name, so this never names another buffer's store. */
export function deadLetterName(name: string): string {
  return `${name}~${DEAD_LETTERS_SUFFIX}`;
}

/**
 * The store of a buffer's dead letters, of the kind its own storage is:
 * IndexedDB `offline-trace-buffer:<name>~dead-letters`, the OPFS folder
 * `<name>~dead-letters`, or memory. A custom backend gets `deadLetterBackend`,
 * else memory (a backend of unknown make offers no second store to open).
 */
export function deadLetterStore(options: DeadLetterStoreOptions, main: StorageBackend): DeadLetterStore {
  const name = deadLetterName(options.name);
  if (main === options.custom && options.deadLetterBackend) {
    const backend = options.deadLetterBackend;
    return { kind: backend.kind, exists: () => Promise.resolve(true), open: () => opened(backend) };
  }
  if (main.kind === 'indexeddb' && main !== options.custom) {
    const backend = indexedDbBackend({ name, durability: options.durability });
    return { kind: 'indexeddb', exists: () => databaseExists(databaseNameFor(name)), open: () => opened(backend) };
  }
  if (main.kind === 'opfs' && main !== options.custom) {
    // The OPFS backend is in a chunk of its own (see select-backend.ts); it is loaded already when main is OPFS.
    const opfs = import('./opfs/index.js');
    return {
      kind: 'opfs',
      // Imported apart from the backend: re-exported from opfs/index.ts, its DOM handle types
      // would reach the `./backend` declarations, which must compile without the DOM library.
      exists: async () => (await import('./opfs/directory.js')).bufferDirectoryExists(name),
      open: async () => opened((await opfs).opfsBackend({ name })),
    };
  }
  // Registered under its name, so deleteTraceBuffer empties it with the buffer's own memory store.
  const memory = namedMemoryBackend(name);
  return { kind: 'memory', exists: () => Promise.resolve(false), open: () => Promise.resolve(memory) };
}

async function opened(backend: StorageBackend): Promise<StorageBackend> {
  await backend.open?.();
  return backend;
}
