import type { AgeCursor, BackendStats, InsertResult, ReadResult, StorageBackend } from '../core/storage-backend.js';
import { compareAge, type StoredTrace } from '../core/record.js';

/**
 * Keeps traces in this JavaScript realm only: for Node, edge runtimes and
 * browsers where no persistent store opens. Records are cloned in and out so
 * callers see the same copy semantics as with IndexedDB.
 */
export function memoryBackend(): StorageBackend {
  // A Map keeps insertion order; the core inserts in age order, so the Map is
  // normally sorted already and eviction takes from its head.
  let records = new Map<string, StoredTrace>();
  let bytes = 0;
  let newest: StoredTrace | undefined;

  const sortIfNeeded = (record: StoredTrace): void => {
    if (newest && compareAge(record, newest) < 0) {
      records = new Map([...records.entries()].sort(([, a], [, b]) => compareAge(a, b)));
    } else {
      newest = record;
    }
  };

  return {
    kind: 'memory',

    insert(batch, maxSize): Promise<InsertResult> {
      for (const record of batch) {
        const previous = records.get(record.id);
        if (previous) bytes -= previous.sizeBytes;
        records.set(record.id, structuredClone(record));
        bytes += record.sizeBytes;
        sortIfNeeded(record);
      }
      const evicted: InsertResult['evicted'] = [];
      for (const [id, record] of records) {
        if (records.size <= maxSize) break;
        records.delete(id);
        bytes -= record.sizeBytes;
        evicted.push({ id, traceId: record.traceId, timestamp: record.timestamp });
      }
      if (newest && !records.has(newest.id)) newest = lastOf(records);
      return Promise.resolve({ evicted });
    },

    readOldest(limit: number, after?: AgeCursor): Promise<ReadResult> {
      const out: StoredTrace[] = [];
      for (const record of records.values()) {
        if (out.length >= limit) break;
        if (after && compareAge(record, after) <= 0) continue;
        out.push(structuredClone(record));
      }
      return Promise.resolve({ records: out, corrupt: [] });
    },

    readAll(): Promise<ReadResult> {
      return Promise.resolve({ records: [...records.values()].map((r) => structuredClone(r)), corrupt: [] });
    },

    remove(ids): Promise<string[]> {
      const removed: string[] = [];
      for (const id of ids) {
        const record = records.get(id);
        if (!record) continue;
        records.delete(id);
        bytes -= record.sizeBytes;
        removed.push(id);
      }
      if (newest && !records.has(newest.id)) newest = lastOf(records);
      return Promise.resolve(removed);
    },

    update(batch): Promise<string[]> {
      const updated: string[] = [];
      for (const record of batch) {
        const previous = records.get(record.id);
        if (!previous) continue;
        bytes += record.sizeBytes - previous.sizeBytes;
        records.set(record.id, structuredClone(record));
        updated.push(record.id);
      }
      return Promise.resolve(updated);
    },

    stats(): Promise<BackendStats> {
      let oldest: number | null = null;
      for (const record of records.values()) {
        oldest = record.timestamp;
        break;
      }
      return Promise.resolve({
        count: records.size,
        bytes,
        oldest,
        newest: newest && records.size > 0 ? newest.timestamp : null,
      });
    },

    clear(): Promise<number> {
      const removed = records.size;
      records.clear();
      bytes = 0;
      newest = undefined;
      return Promise.resolve(removed);
    },

    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

function lastOf(records: Map<string, StoredTrace>): StoredTrace | undefined {
  let last: StoredTrace | undefined;
  for (const record of records.values()) last = record;
  return last;
}
