import type { StoredTrace } from '../../core/record.js';
import type { TraceDatabase, Totals, TracesStore } from './schema.js';

/**
 * The running totals kept in `meta` (see `schema.ts`): how they advance, how
 * they are compared, and how they are rebuilt when missing or wrong.
 */

export function clampStats(stats: Totals): Totals {
  return { count: Math.max(0, stats.count), bytes: Math.max(0, stats.bytes), writes: stats.writes ?? 0 };
}

export function nextWrite(totals: Totals | undefined): number {
  return ((totals?.writes ?? 0) + 1) % Number.MAX_SAFE_INTEGER;
}

/** Whether the totals read are exactly those this instance last wrote or read. */
export function sameTotals(read: Totals | undefined, seen: Totals | undefined): boolean {
  return (
    read !== undefined &&
    seen !== undefined &&
    read.count === seen.count &&
    read.bytes === seen.bytes &&
    (read.writes ?? 0) === (seen.writes ?? 0)
  );
}

/** Totals from the records themselves: O(n), only while the stored ones are missing. */
export async function recount<Mode extends IDBTransactionMode>(
  traces: TracesStore<Mode>,
): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  let cursor = await traces.openCursor();
  while (cursor) {
    count++;
    bytes += sizeOf(cursor.value);
    cursor = await cursor.continue();
  }
  return { count, bytes };
}

/** Totals recounted after `records` were put, as they were before them. */
export function withoutRecords(
  totals: { count: number; bytes: number },
  records: readonly StoredTrace[],
): { count: number; bytes: number } {
  return {
    count: totals.count - records.length,
    bytes: totals.bytes - records.reduce((sum, record) => sum + record.sizeBytes, 0),
  };
}

/**
 * The running totals drift only if someone edits the database by hand or a
 * version without them wrote it. Checked once per open: one count() here saves
 * one on every later write. Wrong totals are deleted, not rewritten: a delete
 * passes even when the origin is out of quota (a write would fail the open),
 * and the next step that needs them recounts.
 */
export async function reconcileStats(db: TraceDatabase): Promise<void> {
  const tx = db.transaction(['traces', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  const [count, stats] = await Promise.all([tx.objectStore('traces').count(), meta.get('stats')]);
  if (stats && (stats.count !== count || stats.bytes < 0)) await meta.delete('stats');
  await tx.done;
}

/** What a stored value adds to the bytes total; nothing for a damaged one. */
export function sizeOf(value: unknown): number {
  const size = (value as { sizeBytes?: unknown } | null)?.sizeBytes;
  return typeof size === 'number' && size > 0 ? size : 0;
}
