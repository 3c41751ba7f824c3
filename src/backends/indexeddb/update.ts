import type { StoredTrace } from '../../core/record.js';
import { withDb, type Connection } from './connection.js';
import { runTx } from './transaction.js';

/**
 * Rewrites the records still present and returns their ids. Presence is
 * checked by key alone, and the totals are left as they are: under the
 * `StorageBackend.update` contract a record's id, age and `sizeBytes` never
 * change (the core only rewrites `attempts` and `lease`), so reading every
 * value back (2 KB each) would learn nothing the totals need.
 */
export function update(conn: Connection, records: readonly StoredTrace[]): Promise<string[]> {
  return withDb(conn, 'updating traces', (db) =>
    runTx(db, ['traces'], conn.durability, async (tx, watch) => {
      const traces = tx.objectStore('traces');
      const keys = await Promise.all(records.map((record) => traces.getKey(record.id)));
      const updated: string[] = [];
      records.forEach((record, i) => {
        // Never a put for a record removed meanwhile: that would bring it back.
        if (keys[i] === undefined) return;
        watch(traces.put(record));
        updated.push(record.id);
      });
      return updated;
    }),
  );
}
