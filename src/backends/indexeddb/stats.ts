import type { BackendStats } from '../../core/storage-backend.js';
import { withDb, type Connection } from './connection.js';
import { noticeWrites, pastLastEviction } from './instance-memory.js';
import { recount, sameTotals } from './totals.js';

/** Count and bytes from the running totals, oldest and newest from the two ends of the age index. */
export function stats(conn: Connection): Promise<BackendStats> {
  return withDb(conn, 'reading the buffer status', async (db) => {
    const tx = db.transaction(['traces', 'meta']);
    const index = tx.objectStore('traces').index('byAge');
    const seen = conn.lastTotals;
    const after = conn.evictAfter;
    const lastRead = index.openKeyCursor(null, 'prev');
    // The oldest is looked for after the last record this instance
    // evicted if nobody else wrote since (see insert): the head of the
    // index is where Chromium keeps the entries evictions deleted until it
    // compacts them, and a status walked them for 40 ms at 100,000 buffered.
    const headRead = after ? undefined : index.openKeyCursor(null, 'next');
    const stats = await tx.objectStore('meta').get('stats');
    const firstRead =
      headRead ?? index.openKeyCursor(after && sameTotals(stats, seen) ? pastLastEviction(after) : null, 'next');
    const [first, last] = await Promise.all([firstRead, lastRead]);
    noticeWrites(conn, stats);
    conn.lastTotals = stats ? { ...stats } : undefined;
    const totals = stats ?? (await recount(tx.objectStore('traces')));
    return {
      count: totals.count,
      bytes: totals.bytes,
      oldest: first ? first.key[0] : null,
      newest: last ? last.key[0] : null,
    };
  });
}
