import type { StorageBackend } from '../core/storage-backend.js';

export interface MigrationResult {
  /** Records now in the target and gone from the source. */
  moved: number;
  /** Records the target evicted to stay within `maxBufferSize` and `maxBufferBytes`. */
  evicted: number;
  /** Unreadable records left in the source (reported, never copied). */
  corrupt: number;
}

/**
 * Moves every buffered trace from one backend to another (e.g. IndexedDB to
 * OPFS when tracing moves into a worker; both share the record shape).
 * Copy first, then remove by id: a crash in between leaves the trace in both
 * stores, and running the migration again replaces it by id instead of
 * duplicating it, so nothing is lost and nothing is doubled.
 */
export async function migrateBufferedTraces(
  from: StorageBackend,
  to: StorageBackend,
  options: { maxBufferSize?: number; maxBufferBytes?: number } = {},
): Promise<MigrationResult> {
  const { records, corrupt } = await from.readAll();
  if (records.length === 0) return { moved: 0, evicted: 0, corrupt: corrupt.length };
  const { evicted } = await to.insert(
    records,
    options.maxBufferSize ?? Number.MAX_SAFE_INTEGER,
    options.maxBufferBytes ?? Infinity,
  );
  const removed = await from.remove(records.map((record) => record.id));
  return { moved: removed.length, evicted: evicted.length, corrupt: corrupt.length };
}
