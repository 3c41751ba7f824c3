import { describeError, TraceBufferError } from '../core/errors.js';
import type { BackendChoice } from '../core/platform.js';
import type { StorageChoice } from '../core/options.js';
import type { StorageBackend } from '../core/storage-backend.js';
import { indexedDbBackend, type IndexedDbDurability } from './indexeddb/index.js';
import { namedMemoryBackend } from './memory-registry.js';
import { opfsAvailable } from './opfs/available.js';

export interface SelectOptions {
  name: string;
  storage: StorageChoice;
  durability: IndexedDbDurability;
}

/**
 * Picks and opens the storage. 'auto' probes by opening, not by feature
 * detection alone: Firefox private windows have `indexedDB` but `open` fails
 * with InvalidStateError (idb#81), so only a real open tells.
 *
 * 'auto' order: OPFS in a dedicated worker (sync access handles exist only
 * there), then IndexedDB (windows, and workers without OPFS such as
 * WebKitGTK's), then memory (Node, edge runtimes).
 */
export async function selectBackend(options: SelectOptions): Promise<BackendChoice> {
  const { storage } = options;
  if (typeof storage === 'object') return { backend: storage, fallbackReason: null };
  if (storage === 'memory') return { backend: namedMemoryBackend(options.name), fallbackReason: null };

  let opfsProblem: string | null = null;
  if (storage === 'opfs' || (storage === 'auto' && inDedicatedWorker())) {
    if (!opfsAvailable()) {
      opfsProblem = 'OPFS sync access handles are not available in this worker';
      if (storage === 'opfs')
        throw new TraceBufferError(
          'STORAGE_UNAVAILABLE',
          `${opfsProblem.replace('this worker', 'this context (dedicated workers only)')}; storage 'opfs' was asked for.`,
        );
    } else {
      try {
        const backend = await loadOpfsBackend(options.name);
        await backend.open();
        return { backend, fallbackReason: null };
      } catch (error) {
        if (storage === 'opfs') throw error;
        opfsProblem = error instanceof Error ? error.message : String(error);
      }
    }
  }

  const available = typeof indexedDB !== 'undefined' && typeof IDBKeyRange !== 'undefined';
  if (!available) {
    const reason = 'IndexedDB is not available in this environment';
    if (storage === 'indexeddb')
      throw new TraceBufferError('STORAGE_UNAVAILABLE', `${reason}; storage 'indexeddb' was asked for.`);
    return { backend: namedMemoryBackend(options.name), fallbackReason: joinReasons(opfsProblem, reason) };
  }
  const backend = indexedDbBackend({ name: options.name, durability: options.durability });
  try {
    await backend.open();
    return { backend, fallbackReason: opfsProblem };
  } catch (error) {
    if (storage === 'indexeddb') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    return { backend: namedMemoryBackend(options.name), fallbackReason: joinReasons(opfsProblem, reason) };
  }
}

/**
 * The OPFS backend, loaded on first use: it runs only in dedicated workers, so
 * a page's bundle (which imports this selector through `createTraceBuffer`)
 * need not carry it; bundlers put it in a chunk of its own.
 */
async function loadOpfsBackend(name: string): Promise<StorageBackend & { open(): Promise<void> }> {
  let opfs: typeof import('./opfs/index.js');
  try {
    opfs = await import('./opfs/index.js');
  } catch (error) {
    const message = `The OPFS backend could not be loaded (${describeError(error)}).`;
    throw new TraceBufferError('STORAGE_UNAVAILABLE', message, { cause: error });
  }
  return opfs.opfsBackend({ name });
}

/**
 * A dedicated worker, told apart without DOM typings: the global's
 * constructor is only defined inside one (and in no shared or service worker,
 * nor in Node).
 */
function inDedicatedWorker(): boolean {
  const scope = (globalThis as { DedicatedWorkerGlobalScope?: unknown }).DedicatedWorkerGlobalScope;
  return typeof scope === 'function' && globalThis instanceof scope;
}

function joinReasons(first: string | null, second: string): string {
  return first ? `${first}; ${second}` : second;
}
