import type { StoredTrace } from '../../core/record.js';
import { writeStep, type Connection } from './connection.js';
import { noticeWrites } from './instance-memory.js';
import { clampStats, nextWrite, recount, sizeOf } from './totals.js';

/** Rewrites the records still present and returns their ids. */
export function update(conn: Connection, records: readonly StoredTrace[]): Promise<string[]> {
  return writeStep(conn, 'updating traces', async (tx, watch) => {
    const traces = tx.objectStore('traces');
    const meta = tx.objectStore('meta');
    const [stats, existing] = await Promise.all([
      meta.get('stats'),
      Promise.all(records.map((record) => traces.get(record.id))),
    ]);
    noticeWrites(conn, stats);
    const totals = stats ?? (await recount(traces));
    const updated: string[] = [];
    existing.forEach((previous, i) => {
      const record = records[i];
      if (previous === undefined || record === undefined) return;
      watch(traces.put(record));
      totals.bytes += record.sizeBytes - sizeOf(previous);
      if (conn.knownSizes.has(record.id)) conn.knownSizes.set(record.id, record.sizeBytes);
      updated.push(record.id);
    });
    conn.lastTotals = clampStats(updated.length > 0 ? { ...totals, writes: nextWrite(totals) } : totals);
    if (updated.length > 0) watch(meta.put(conn.lastTotals, 'stats'));
    return updated;
  });
}
