import type { DBSchema, IDBPDatabase, IDBPObjectStore, IDBPTransaction } from 'idb';
import type { StoredTrace } from '../../core/record.js';

/**
 * The only file that knows the IndexedDB schema.
 *
 * - `traces`: one record per trace, keyed by its UUID, with a `byAge` index on
 *   [timestamp, seq] so the oldest traces are found without a scan.
 * - `meta`: running totals (count, bytes) updated in the same transaction as
 *   every write, because `count()` walks the whole store in both Chromium and
 *   Firefox and status or eviction must not cost O(n) per store. Removals that
 *   cannot write them delete them instead (see `removeWithoutWriting` in
 *   `remove.ts`): missing totals are recounted by the next step that needs them.
 *
 * IndexedDB serialises read-write transactions over the same stores across
 * every connection of the origin (tabs, workers), so one transaction that
 * inserts and evicts is atomic for all writers: the cap holds exactly.
 */
export interface TraceDb extends DBSchema {
  traces: { key: string; value: StoredTrace; indexes: { byAge: [number, number] } };
  meta: { key: 'stats'; value: Totals };
}

export const INDEXEDDB_SCHEMA_VERSION = 1;

/**
 * The running totals. `writes` counts the transactions that changed the
 * store, so an instance can tell that nobody else wrote since it last did,
 * even when another tab's insert and eviction left count and bytes as they were.
 */
export interface Totals {
  count: number;
  bytes: number;
  writes?: number;
}

export type TraceStoreNames = ('traces' | 'meta')[];
export type TraceDatabase = IDBPDatabase<TraceDb>;
/** A read-write transaction over both stores, as every write step opens. */
export type WriteTx = IDBPTransaction<TraceDb, TraceStoreNames, 'readwrite'>;
/** The `traces` store within a transaction over both stores. */
export type TracesStore<Mode extends IDBTransactionMode = 'readwrite'> = IDBPObjectStore<
  TraceDb,
  TraceStoreNames,
  'traces',
  Mode
>;

/** Creates the stores of each version the database has not reached yet. */
export function upgradeSchema(database: TraceDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    const traces = database.createObjectStore('traces', { keyPath: 'id' });
    traces.createIndex('byAge', ['timestamp', 'seq']);
    // The upgrade transaction commits this put together with the schema.
    void database.createObjectStore('meta').put({ count: 0, bytes: 0 }, 'stats');
  }
}
