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
  /** Records over the count cap. */
  excess: number;
  readonly maxBytes: number;
}

const overCap = (eviction: Eviction): boolean => eviction.excess > 0 || eviction.stats.bytes > eviction.maxBytes;

/**
 * How many of the oldest to read for one pass: the count excess, or enough
 * records of the average size to cover the byte excess (a pass that falls
 * short is followed by another). Never 0, which getAll takes as "all".
 */
export function rowsToRead(totals: Totals, maxSize: number, maxBytes: number): number {
  const overBytes = totals.bytes - maxBytes;
  const bySize = overBytes > 0 && totals.count > 0 ? Math.ceil(overBytes / (totals.bytes / totals.count)) : 0;
  return Math.min(Math.max(1, totals.count - maxSize, bySize), Math.max(1, totals.count));
}

/**
 * Deletes the oldest records until both caps hold, in the insert's
 * transaction: from `early` (the oldest read ahead, when it is right), else
 * from past the last eviction while that is safe, then from the head of the
 * index, then records the index lacks.
 */
export async function evictExcess(
  conn: Connection,
  eviction: Eviction,
  early: OldestRows | undefined,
): Promise<EvictedTrace[]> {
  const { traces, stats } = eviction;
  if (early) await evictFrom(conn, eviction, early);
  let fromHint = conn.evictAfter !== undefined;
  while (overCap(eviction)) {
    const wanted = rowsToRead(stats, stats.count - eviction.excess, eviction.maxBytes);
    const range = fromHint && conn.evictAfter ? pastLastEviction(conn.evictAfter) : null;
    const read = await evictFrom(conn, eviction, readOldestRows(traces, range, wanted));
    // A short read reached the end of its range: go on from the head, or stop there.
    if (read < wanted && !range) break;
    if (read < wanted) fromHint = false;
  }
  await evictUnindexed(eviction);
  return eviction.evicted;
}

/** Evicts from `found` while over a cap; resolves how many rows were read. */
async function evictFrom(conn: Connection, eviction: Eviction, found: OldestRows): Promise<number> {
  const { traces, watch, stats, evicted } = eviction;
  // The whole excess in one read: a cursor cost a round trip per
  // evicted record, which made a burst into a full buffer 3x slower.
  const [oldest, keys] = await found;
  for (const [i, value] of oldest.entries()) {
    const key = keys[i];
    if (!overCap(eviction)) break;
    if (key === undefined) continue;
    const record = decodeStoredTrace(value);
    evicted.push(evictedOf(record, key));
    stats.bytes -= sizeOf(value);
    watch(traces.delete(key));
    eviction.excess--;
    stats.count--;
    if (!('problem' in record)) conn.evictAfter = { timestamp: record.timestamp, seq: record.seq, id: record.id };
  }
  return oldest.length;
}

// Records missing from the index (edited by hand, corrupt) still count
// against the caps: evict them in key order (for the byte cap, only those
// whose size is known, since the others add nothing to the total).
async function evictUnindexed(eviction: Eviction): Promise<void> {
  const { traces, watch, stats, evicted } = eviction;
  let raw = overCap(eviction) ? await traces.openCursor() : null;
  while (raw && overCap(eviction)) {
    if (eviction.excess > 0 || sizeOf(raw.value) > 0) {
      evicted.push(evictedOf(decodeStoredTrace(raw.value), raw.primaryKey));
      stats.bytes -= sizeOf(raw.value);
      watch(raw.delete());
      eviction.excess--;
      stats.count--;
    }
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
