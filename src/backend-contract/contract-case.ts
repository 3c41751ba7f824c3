import type { StorageBackend } from '../core/storage-backend.js';

/**
 * How the contract reaches the backend under test. Opening twice with one name
 * must give two independent instances; when `shared` is true they share one
 * store, as two tabs on one database do.
 */
export interface BackendFactory {
  open(name: string): StorageBackend | Promise<StorageBackend>;
  /** Whether two instances opened with one name share their records. */
  shared: boolean;
  /** Whether records survive close() and a new open(). */
  persistent: boolean;
  /**
   * Leaves one unreadable record in the store called `name`, below the
   * backend (as a crash or a hand edit would); resolves the key the backend
   * reports it under. Absent for backends that cannot hold one (memory).
   */
  corrupt?(name: string): Promise<string>;
}

export interface ContractCase {
  name: string;
  /** Set when the case needs shared or persistent storage, or a store that can be damaged. */
  needs?: 'shared' | 'persistent' | 'corruption';
  /** Runs the case on a store called `name` that no other case uses; rejects with a `CheckError` when it fails. */
  run(factory: BackendFactory, name: string): Promise<void>;
}
