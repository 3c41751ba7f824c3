import type { AgeCursor, ReadResult } from '../../core/storage-backend.js';
import { compareAge, decodeStoredTrace, type CorruptRecord, type StoredTrace } from '../../core/record.js';
import { withDb, type Connection } from './connection.js';
import { rememberSizes } from './instance-memory.js';

/** Extra rows read past a page so records tied on [timestamp, seq] are not skipped. */
const TIE_SLACK = 8;

/** Up to `limit` records in age order, strictly after `after`, from the age index. */
export function readOldest(conn: Connection, limit: number, after?: AgeCursor): Promise<ReadResult> {
  return withDb(conn, 'reading traces', async (db) => {
    const index = db.transaction('traces').store.index('byAge');
    // Start at the last record read (inclusive) rather than the head: a
    // drain deletes the head, and walking over deleted entries made each
    // read slower as the buffer grew in Chromium.
    const range = after ? IDBKeyRange.lowerBound([after.timestamp, after.seq]) : undefined;
    const rows = await index.getAll(range, limit + TIE_SLACK);
    const records: StoredTrace[] = [];
    const corrupt: CorruptRecord[] = [];
    for (const row of rows) {
      const record = decodeStoredTrace(row);
      if ('problem' in record) {
        corrupt.push({ key: keyOf(row), reason: record.problem });
        continue;
      }
      if (after && compareAge(record, after) <= 0) continue;
      if (records.length < limit) records.push(record);
    }
    rememberSizes(conn, records);
    return { records, corrupt };
  });
}

/** Every record, in age order, with the ones that do not decode reported apart. */
export function readAll(conn: Connection): Promise<ReadResult> {
  return withDb(conn, 'reading traces', async (db) => {
    // Read the store, not the index: a record edited so that it fell out of
    // the index must still be seen (and reported).
    const store = db.transaction('traces').store;
    const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
    const records: StoredTrace[] = [];
    const corrupt: CorruptRecord[] = [];
    values.forEach((value, i) => {
      const record = decodeStoredTrace(value);
      if ('problem' in record) corrupt.push({ key: String(keys[i]), reason: record.problem });
      else records.push(record);
    });
    records.sort(compareAge);
    return { records, corrupt };
  });
}

function keyOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : String(id);
}
