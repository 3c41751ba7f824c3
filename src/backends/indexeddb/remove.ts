import { isTraceBufferError } from '../../core/errors.js';
import { writeStep, type Connection } from './connection.js';
import { noticeWrites } from './instance-memory.js';
import type { TracesStore } from './schema.js';
import { clampStats, nextWrite, recount, sizeOf } from './totals.js';

/** Removes the records with these ids and returns those that were there; keeps the totals exact. */
export function remove(conn: Connection, ids: readonly string[]): Promise<string[]> {
  return writeStep(conn, 'removing traces', async (tx, watch) => {
    const traces = tx.objectStore('traces');
    const meta = tx.objectStore('meta');
    const [stats, sizes] = await Promise.all([
      meta.get('stats'),
      Promise.all(ids.map((id) => sizeIfPresent(conn, traces, id))),
    ]);
    noticeWrites(conn, stats);
    const totals = stats ?? (await recount(traces));
    const removed: string[] = [];
    sizes.forEach((size, i) => {
      const id = ids[i];
      if (size === undefined || id === undefined) return;
      watch(traces.delete(id));
      totals.count--;
      totals.bytes -= size;
      removed.push(id);
    });
    for (const id of ids) conn.knownSizes.delete(id);
    conn.lastTotals = clampStats(removed.length > 0 ? { ...totals, writes: nextWrite(totals) } : totals);
    if (removed.length > 0) watch(meta.put(conn.lastTotals, 'stats'));
    return removed;
  }).catch((error: unknown) => {
    if (!isTraceBufferError(error, 'QUOTA_EXCEEDED')) throw error;
    return removeWithoutWriting(conn, ids);
  });
}

/** The stored size of the record `id`, or undefined if it is gone; by key alone when the size is known. */
async function sizeIfPresent(conn: Connection, traces: TracesStore, id: string): Promise<number | undefined> {
  const known = conn.knownSizes.get(id);
  if (known === undefined) {
    const record = await traces.get(id);
    return record === undefined ? undefined : sizeOf(record);
  }
  return (await traces.getKey(id)) === undefined ? undefined : known;
}

/**
 * Removal for an origin out of quota. Chromium refuses every transaction
 * that writes while the origin is over its quota, even one whose only write
 * is the totals, but lets delete-only ones through (w3c/IndexedDB#196):
 * without this a full buffer could not even drain. The totals are deleted,
 * not written, and the next step that needs them recounts.
 */
export function removeWithoutWriting(conn: Connection, ids: readonly string[]): Promise<string[]> {
  return writeStep(conn, 'removing traces', async (tx, watch) => {
    const traces = tx.objectStore('traces');
    const keys = await Promise.all(ids.map((id) => traces.getKey(id)));
    const removed = ids.filter((_, i) => keys[i] !== undefined);
    for (const id of removed) watch(traces.delete(id));
    for (const id of ids) conn.knownSizes.delete(id);
    if (removed.length > 0) {
      watch(tx.objectStore('meta').delete('stats'));
      conn.lastTotals = undefined;
    }
    return removed;
  });
}
