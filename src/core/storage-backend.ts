import type { CorruptRecord, StoredTrace } from './record.js';

/** A trace removed to keep the buffer within `maxBufferSize` and `maxBufferBytes`. */
export interface EvictedTrace {
  id: string;
  traceId: string;
  timestamp: number;
}

export interface InsertResult {
  /** Oldest traces removed in the same atomic step as the insert. */
  evicted: EvictedTrace[];
}

export interface ReadResult {
  /** Valid records, oldest first. */
  records: StoredTrace[];
  /** Records that could not be decoded; they stay stored until removed or cleared. */
  corrupt: CorruptRecord[];
}

/** Where a read resumes: strictly after this record in age order. */
export interface AgeCursor {
  timestamp: number;
  seq: number;
  id: string;
}

export interface BackendStats {
  /** Records stored, corrupt ones included. */
  count: number;
  /** UTF-8 bytes of the stored JSON forms. */
  bytes: number;
  oldest: number | null;
  newest: number | null;
}

/**
 * The storage the core needs, declared here so the core owns it and backends
 * (in `backends/`, or a user's own) implement it. The core owns policy (caps,
 * batching, replay); a backend owns only its storage format. Implementations
 * must be safe with several instances (tabs, workers) on the same store: each
 * method is one atomic step.
 */
export interface StorageBackend {
  /** 'indexeddb', 'memory', 'opfs', or a custom backend's name. Shown in the status. */
  readonly kind: string;
  /**
   * Optional: opens the store ahead of the first step, so a store that cannot
   * open is found (and 'auto' can fall back) before any trace depends on it.
   * Must reject, with the reason, when the store cannot be used.
   */
  open?(): Promise<void>;
  /**
   * Must store every record and, in the same atomic step, evict the oldest
   * records (by age order) so that at most `maxSize` remain and their
   * `sizeBytes` add up to at most `maxBytes` (absent: no byte cap; a backend
   * written before it existed keeps the count cap only).
   */
  insert(records: readonly StoredTrace[], maxSize: number, maxBytes?: number): Promise<InsertResult>;
  /** Up to `limit` records in age order, starting strictly after `after`. */
  readOldest(limit: number, after?: AgeCursor): Promise<ReadResult>;
  /** Every record in age order (with the corrupt ones reported apart). */
  readAll(): Promise<ReadResult>;
  /** Removes by id; returns the ids that were present and are now gone. */
  remove(ids: readonly string[]): Promise<string[]>;
  /**
   * Replaces records that are still present (by id); returns the ids updated.
   * The core only rewrites bookkeeping (`attempts`, `lease`): a record's id,
   * age and `sizeBytes` never change, so totals need no update.
   */
  update(records: readonly StoredTrace[]): Promise<string[]>;
  stats(): Promise<BackendStats>;
  /** Removes everything, corrupt records too; returns how many were removed. */
  clear(): Promise<number>;
  close(): Promise<void>;
}
