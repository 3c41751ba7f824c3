import type { EvictedTrace } from '../../core/storage-backend.js';
import { decodeStoredTrace, type StoredTrace } from '../../core/record.js';
import type { Connection } from './connection.js';
import { pastLastEviction } from './instance-memory.js';
import type { Totals, TracesStore } from './schema.js';
import { sizeOf } from './totals.js';
import type { Watch } from './transaction.js';

/** The oldest `count` records from the age index, values and keys alike. */
export type OldestRows = Promise<[StoredTrace[], string[]]>;

export function readOldestRows(traces: TracesStore, range: IDBKeyRange | null, count: number): OldestRows {
  const byAge = traces.index('byAge');
  return Promise.all([byAge.getAll(range, count), byAge.getAllKeys(range, count)]);
}

/** One insert's eviction in progress: `stats` and `excess` go down as records go. */
export interface Eviction {
  readonly traces: TracesStore;
  readonly watch: Watch;
  readonly stats: Totals;
  readonly evicted: EvictedTrace[];
  excess: number;
}

/**
 * Deletes the oldest records until `excess` is used up, in the insert's
 * transaction: from `early` (the oldest read ahead, when it is right), else
 * from past the last eviction, then from the head of the index, then records
 * the index lacks.
 */
export async function evictExcess(
  conn: Connection,
  eviction: Eviction,
  early: OldestRows | undefined,
): Promise<EvictedTrace[]> {
  const { traces } = eviction;
  if (early) await evictFrom(conn, eviction, early);
  else if (eviction.excess > 0 && conn.evictAfter)
    await evictFrom(conn, eviction, readOldestRows(traces, pastLastEviction(conn.evictAfter), eviction.excess));
  if (eviction.excess > 0) await evictFrom(conn, eviction, readOldestRows(traces, null, eviction.excess));
  await evictUnindexed(eviction);
  return eviction.evicted;
}

async function evictFrom(conn: Connection, eviction: Eviction, found: OldestRows): Promise<void> {
  const { traces, watch, stats, evicted } = eviction;
  // The whole excess in one read: a cursor cost a round trip per
  // evicted record, which made a burst into a full buffer 3x slower.
  const [oldest, keys] = await found;
  oldest.forEach((value, i) => {
    const key = keys[i];
    if (key === undefined) return;
    const record = decodeStoredTrace(value);
    evicted.push(evictedOf(record, key));
    stats.bytes -= sizeOf(value);
    watch(traces.delete(key));
    eviction.excess--;
    stats.count--;
    if (!('problem' in record)) conn.evictAfter = { timestamp: record.timestamp, seq: record.seq, id: record.id };
  });
}

// Records missing from the index (edited by hand, corrupt) still count
// against the cap: evict them in key order.
async function evictUnindexed(eviction: Eviction): Promise<void> {
  const { traces, watch, stats, evicted } = eviction;
  let raw = eviction.excess > 0 ? await traces.openCursor() : null;
  while (raw && eviction.excess > 0) {
    evicted.push(evictedOf(decodeStoredTrace(raw.value), raw.primaryKey));
    stats.bytes -= sizeOf(raw.value);
    watch(raw.delete());
    eviction.excess--;
    stats.count--;
    raw = await raw.continue();
  }
}

function evictedOf(record: ReturnType<typeof decodeStoredTrace>, key: IDBValidKey): EvictedTrace {
  if ('problem' in record) return { id: keyText(key), traceId: keyText(key), timestamp: 0 };
  return { id: record.id, traceId: record.traceId, timestamp: record.timestamp };
}

function keyText(key: IDBValidKey): string {
  return typeof key === 'string' || typeof key === 'number' ? String(key) : JSON.stringify(key);
}
