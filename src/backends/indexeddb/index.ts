import type { AgeCursor, StorageBackend } from '../../core/storage-backend.js';
import { clear } from './clear.js';
import { closeConnection, createConnection, openConnection } from './connection.js';
import { databaseNameFor } from './database-name.js';
import type { IndexedDbDurability } from './durability.js';
import { insert } from './insert.js';
import { readAll, readOldest } from './read.js';
import { remove } from './remove.js';
import { stats } from './stats.js';
import { update } from './update.js';

/**
 * The storage backend on IndexedDB, and the only folder of this package that
 * imports `idb`. The pieces: `schema.ts` (the stores; the only file that knows
 * them), `database-name.ts` (the database behind a buffer name),
 * `open-database.ts` (opening, with its timeouts), `connection.ts` (the lazily
 * opened connection), `instance-memory.ts` (what an instance remembers between
 * steps), `transaction.ts` (one step, one transaction), `totals.ts` (the
 * running count and bytes), `durability.ts`, and one file per step:
 * `insert.ts` with `eviction.ts`, `read.ts`, `remove.ts`, `update.ts`,
 * `stats.ts` and `clear.ts`.
 */

// Nothing from schema.ts: its types are idb's, which need the DOM library, and
// the published declarations must compile without it (Node, edge workers).
export { databaseNameFor } from './database-name.js';
export { durabilityOption, type IndexedDbDurability } from './durability.js';

export interface IndexedDbBackendOptions {
  /** The buffer's name: one database per buffer, `databaseNameFor(name)`. */
  name: string;
  /** Transaction durability for writes; see the README's guarantees. Default `'default'`. */
  durability?: IndexedDbDurability;
}

export function indexedDbBackend(options: IndexedDbBackendOptions): StorageBackend & { open(): Promise<void> } {
  const conn = createConnection(databaseNameFor(options.name), options.durability ?? 'default');
  return {
    kind: 'indexeddb',
    async open() {
      await openConnection(conn);
    },
    insert: (records, maxSize, maxBytes = Infinity) => insert(conn, records, maxSize, maxBytes),
    readOldest: (limit: number, after?: AgeCursor) => readOldest(conn, limit, after),
    readAll: () => readAll(conn),
    remove: (ids) => remove(conn, ids),
    update: (records) => update(conn, records),
    stats: () => stats(conn),
    clear() {
      // One by one through `this.remove` when the whole clear fails, as a wrapper's remove would be.
      return clear(conn, (ids) => this.remove(ids));
    },
    close: () => closeConnection(conn),
  };
}
