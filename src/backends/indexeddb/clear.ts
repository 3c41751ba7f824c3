import { isTraceBufferError, TraceBufferError } from '../../core/errors.js';
import { withDb, writeStep, type Connection } from './connection.js';
import { nextWrite } from './totals.js';

/**
 * Removes every record in one transaction and returns how many there were.
 * `removeOne` removes a single record; it is the fallback when that
 * transaction fails.
 */
export async function clear(conn: Connection, removeOne: (ids: string[]) => Promise<string[]>): Promise<number> {
  try {
    // Out of quota, deletes only (see `removeWithoutWriting`); recounting an empty store costs nothing.
    return await clearAll(conn, 'reset').catch((error: unknown) => {
      if (!isTraceBufferError(error, 'QUOTA_EXCEEDED')) throw error;
      return clearAll(conn, 'delete');
    });
  } catch (wholeFailure) {
    // The single transaction failed: remove each record on its own so one
    // bad record cannot keep the rest (the openlayer hardening, fix 4).
    const keys = await withDb(conn, 'clearing the buffer', (db) => db.getAllKeys('traces'));
    let removed = 0;
    const failures: unknown[] = [];
    for (const key of keys) {
      try {
        removed += (await removeOne([key])).length;
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 0) return removed;
    throw new TraceBufferError(
      'STORAGE_FAILED',
      `Clearing the buffer removed ${removed} of ${keys.length} traces; ${failures.length} could not be removed.`,
      { cause: failures[0] ?? wholeFailure, details: { removed, failed: failures.length } },
    );
  }
}

/** One transaction that empties the store and resets the totals, or deletes them when out of quota. */
function clearAll(conn: Connection, totals: 'reset' | 'delete'): Promise<number> {
  return writeStep(conn, 'clearing the buffer', async (tx, watch) => {
    conn.knownSizes.clear();
    const [count, before] = await Promise.all([tx.objectStore('traces').count(), tx.objectStore('meta').get('stats')]);
    watch(tx.objectStore('traces').clear());
    const meta = tx.objectStore('meta');
    conn.evictAfter = undefined;
    conn.lastTotals = totals === 'reset' ? { count: 0, bytes: 0, writes: nextWrite(before) } : undefined;
    watch(conn.lastTotals ? meta.put(conn.lastTotals, 'stats') : meta.delete('stats'));
    return count;
  });
}
