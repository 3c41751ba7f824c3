import type { InsertResult } from '../../core/storage-backend.js';
import { compareAge, type StoredTrace } from '../../core/record.js';
import { writeStep, type Connection } from './connection.js';
import { evictExcess, readOldestRows, rowsToRead, type Eviction } from './eviction.js';
import { pastLastEviction } from './instance-memory.js';
import type { Totals, TracesStore, WriteTx } from './schema.js';
import { clampStats, nextWrite, recount, sameTotals, withoutRecords } from './totals.js';
import type { Watch } from './transaction.js';

/**
 * Records put per turn of the event loop. Cloning a record happens on the
 * calling thread, so 2,000 puts in one go held the page's main thread for one
 * long task (over 150 ms under load in Chromium); between chunks the page can
 * paint and handle input while the transaction stays open.
 */
const PUTS_PER_TASK = 200;

/** Stores `records` and evicts the oldest beyond `maxSize` and `maxBytes`, in one transaction. */
export function insert(
  conn: Connection,
  records: readonly StoredTrace[],
  maxSize: number,
  maxBytes: number,
): Promise<InsertResult> {
  return writeStep(conn, 'storing traces', (tx, watch) => insertInTx(conn, tx, watch, records, { maxSize, maxBytes }));
}

async function insertInTx(
  conn: Connection,
  tx: WriteTx,
  watch: Watch,
  records: readonly StoredTrace[],
  caps: { maxSize: number; maxBytes: number },
): Promise<InsertResult> {
  const { maxSize, maxBytes } = caps;
  const traces = tx.objectStore('traces');
  const meta = tx.objectStore('meta');
  // Issued first but not awaited before the puts: the engine runs
  // requests in order, so the totals read are those before this insert,
  // and a sequential store waits for one round trip instead of two.
  const statsRead = meta.get('stats');
  // The new totals are written at once from the ones this instance
  // saw last, and only checked against the read before committing:
  // the write no longer waits for the read's round trip, which cost a
  // sequential store a third of its time. If another tab changed the
  // totals meanwhile, or the cap is near, the totals are written again
  // from the read (the later put wins inside the transaction).
  const adding = { count: records.length, bytes: records.reduce((sum, r) => sum + r.sizeBytes, 0) };
  const seen = conn.lastTotals;
  const guess =
    seen && seen.count + adding.count <= maxSize && seen.bytes + adding.bytes <= maxBytes
      ? { count: seen.count + adding.count, bytes: seen.bytes + adding.bytes, writes: nextWrite(seen) }
      : undefined;
  if (guess) watch(meta.put(guess, 'stats'));
  await putInChunks(traces, watch, records);
  // A full buffer, as far as this instance knows: the oldest to evict
  // are read now, with the totals, instead of after them. If nobody
  // else wrote, this is the right read, and a store into a full buffer
  // waits for two round trips instead of three.
  const after = conn.evictAfter;
  const hinted = after && !records.some((record) => compareAge(record, after) <= 0);
  const early =
    !guess && seen && hinted && after
      ? readOldestRows(
          traces,
          pastLastEviction(after),
          rowsToRead({ count: seen.count + adding.count, bytes: seen.bytes + adding.bytes }, maxSize, maxBytes),
        )
      : undefined;
  // Ignored when another instance wrote: its failure must not go unhandled then.
  if (early) watch(early);
  const read = await statsRead;
  const alone = sameTotals(read, seen);
  if (guess && alone) {
    conn.lastTotals = guess;
    return { evicted: [] };
  }
  // Evicting from just after the last record this instance evicted
  // skips the deleted entries at the head of the index, which Chromium
  // walks until it compacts them (stores into a full buffer of 100,000
  // ran at a third of the rate at 1,000). That is safe only if no record
  // older than it can have arrived since: not if another instance wrote
  // in between (its stores may be older than ours), nor if this insert
  // brings one (the clock went back).
  if (!alone || !hinted) conn.evictAfter = undefined;
  const stats: Totals = read ?? withoutRecords(await recount(traces), records);
  stats.count += adding.count;
  stats.bytes += adding.bytes;
  stats.writes = nextWrite(read);
  // The early read is right only if nobody else wrote (then the
  // excess is the one it assumed); else it is ignored.
  const eviction: Eviction = { traces, watch, stats, evicted: [], excess: stats.count - maxSize, maxBytes };
  const evicted = await evictExcess(conn, eviction, alone ? early : undefined);
  conn.lastTotals = clampStats(stats);
  watch(meta.put(conn.lastTotals, 'stats'));
  return { evicted };
}

async function putInChunks(traces: TracesStore, watch: Watch, records: readonly StoredTrace[]): Promise<void> {
  let chunkStarted: Promise<unknown> | undefined;
  for (let start = 0; start < records.length; start += PUTS_PER_TASK) {
    // Waiting for the previous chunk's first put hands the thread
    // back, and its success callback keeps the transaction active for
    // the next chunk. The first, not the last: the engine still has
    // the rest of that chunk to write meanwhile, so it never waits for
    // us (waiting for the last put cost a round trip per chunk, 10 per
    // burst of 2,000, which Firefox pays in full). A failed put aborts
    // the whole insert.
    if (chunkStarted) await chunkStarted;
    chunkStarted = undefined;
    for (const record of records.slice(start, start + PUTS_PER_TASK)) {
      const put = traces.put(record);
      watch(put);
      chunkStarted ??= put;
    }
  }
}
