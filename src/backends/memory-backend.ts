import type { AgeCursor, BackendStats, InsertResult, ReadResult, StorageBackend } from '../core/storage-backend.js';
import { compareAge, type StoredTrace } from '../core/record.js';

/**
 * What one memory backend holds. A Map keeps insertion order; the core inserts
 * in age order, so the Map is normally sorted already and eviction takes from
 * its head.
 */
interface MemoryStore {
  records: Map<string, StoredTrace>;
  bytes: number;
  newest: StoredTrace | undefined;
}

/**
 * Keeps traces in this JavaScript realm only: for Node, edge runtimes and
 * browsers where no persistent store opens. Records are cloned in and out so
 * callers see the same copy semantics as with IndexedDB. The methods are plain
 * properties, so `{ ...memoryBackend(), insert }` wraps one.
 */
export function memoryBackend(): StorageBackend {
  const store: MemoryStore = { records: new Map(), bytes: 0, newest: undefined };
  return {
    kind: 'memory',
    insert: (batch, maxSize, maxBytes = Infinity) => Promise.resolve(insert(store, batch, maxSize, maxBytes)),
    readOldest: (limit, after) => Promise.resolve(readOldest(store, limit, after)),
    readAll: () =>
      Promise.resolve({ records: [...store.records.values()].map((r) => structuredClone(r)), corrupt: [] }),
    remove: (ids) => Promise.resolve(remove(store, ids)),
    update: (batch) => Promise.resolve(update(store, batch)),
    stats: () => Promise.resolve(stats(store)),
    clear: () => Promise.resolve(clear(store)),
    close: () => Promise.resolve(),
  };
}

function insert(store: MemoryStore, batch: readonly StoredTrace[], maxSize: number, maxBytes: number): InsertResult {
  for (const record of batch) {
    const previous = store.records.get(record.id);
    if (previous) store.bytes -= previous.sizeBytes;
    store.records.set(record.id, structuredClone(record));
    store.bytes += record.sizeBytes;
    sortIfNeeded(store, record);
  }
  const evicted: InsertResult['evicted'] = [];
  for (const [id, record] of store.records) {
    if (store.records.size <= maxSize && store.bytes <= maxBytes) break;
    store.records.delete(id);
    store.bytes -= record.sizeBytes;
    evicted.push({ id, traceId: record.traceId, timestamp: record.timestamp });
  }
  if (store.newest && !store.records.has(store.newest.id)) store.newest = lastOf(store.records);
  return { evicted };
}

/** Re-sorts only when a record arrives out of age order (a clock that went back, another writer's older batch). */
function sortIfNeeded(store: MemoryStore, record: StoredTrace): void {
  if (store.newest && compareAge(record, store.newest) < 0) {
    store.records = new Map([...store.records.entries()].sort(([, a], [, b]) => compareAge(a, b)));
  } else {
    store.newest = record;
  }
}

function readOldest(store: MemoryStore, limit: number, after?: AgeCursor): ReadResult {
  const out: StoredTrace[] = [];
  for (const record of store.records.values()) {
    if (out.length >= limit) break;
    if (after && compareAge(record, after) <= 0) continue;
    out.push(structuredClone(record));
  }
  return { records: out, corrupt: [] };
}

function remove(store: MemoryStore, ids: readonly string[]): string[] {
  const removed: string[] = [];
  for (const id of ids) {
    const record = store.records.get(id);
    if (!record) continue;
    store.records.delete(id);
    store.bytes -= record.sizeBytes;
    removed.push(id);
  }
  if (store.newest && !store.records.has(store.newest.id)) store.newest = lastOf(store.records);
  return removed;
}

function update(store: MemoryStore, batch: readonly StoredTrace[]): string[] {
  const updated: string[] = [];
  for (const record of batch) {
    const previous = store.records.get(record.id);
    if (!previous) continue;
    store.bytes += record.sizeBytes - previous.sizeBytes;
    store.records.set(record.id, structuredClone(record));
    updated.push(record.id);
  }
  return updated;
}

function stats(store: MemoryStore): BackendStats {
  const first = store.records.values().next();
  return {
    count: store.records.size,
    bytes: store.bytes,
    oldest: first.done ? null : first.value.timestamp,
    newest: store.newest && store.records.size > 0 ? store.newest.timestamp : null,
  };
}

function clear(store: MemoryStore): number {
  const removed = store.records.size;
  store.records.clear();
  store.bytes = 0;
  store.newest = undefined;
  return removed;
}

function lastOf(records: Map<string, StoredTrace>): StoredTrace | undefined {
  let last: StoredTrace | undefined;
  for (const record of records.values()) last = record;
  return last;
}
