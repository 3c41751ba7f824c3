import { errorName, storageError, TraceBufferError } from '../../core/errors.js';
import type { IndexedDbDurability } from './durability.js';
import { emptyInstanceMemory, type InstanceMemory } from './instance-memory.js';
import { openDatabase } from './open-database.js';
import type { TraceDatabase, WriteTx } from './schema.js';
import { runTx, type Watch } from './transaction.js';

/**
 * One backend instance's hold on its database: opened lazily, opened again
 * after the browser closed it, closed for good by `close`. It carries what the
 * instance remembers between steps (`InstanceMemory`), so every step is a
 * function of the connection.
 */
export interface Connection extends InstanceMemory {
  readonly databaseName: string;
  readonly durability: IndexedDbDurability;
  db: Promise<TraceDatabase> | undefined;
  closed: boolean;
}

export function createConnection(databaseName: string, durability: IndexedDbDurability): Connection {
  return { databaseName, durability, db: undefined, closed: false, ...emptyInstanceMemory() };
}

export function openConnection(conn: Connection): Promise<TraceDatabase> {
  if (conn.closed) return Promise.reject(new TraceBufferError('CLOSED', 'The IndexedDB backend was closed.'));
  conn.db ??= openDatabase(conn.databaseName, () => {
    // Safari drops connections, and another tab's upgrade or deleteTraceBuffer
    // asks us to go: forget this one so the next operation reopens (as
    // idb-keyval does), and what we knew of a store that may be gone.
    conn.db = undefined;
    conn.knownSizes.clear();
    conn.lastTotals = undefined;
    conn.evictAfter = undefined;
  }).catch((error: unknown) => {
    conn.db = undefined;
    throw error;
  });
  return conn.db;
}

/** Runs one storage step; reopens once if the connection was closed under us. */
export async function withDb<T>(conn: Connection, action: string, step: (db: TraceDatabase) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const db = await openConnection(conn);
    try {
      return await step(db);
    } catch (error) {
      const closing = errorName(error) === 'InvalidStateError';
      if (closing && attempt === 0 && !conn.closed) {
        conn.db = undefined;
        continue;
      }
      throw storageError(error, action);
    }
  }
}

/** One read-write step over both stores, in one transaction (see `runTx`), on a connection reopened if need be. */
export function writeStep<T>(
  conn: Connection,
  action: string,
  body: (tx: WriteTx, watch: Watch) => Promise<T>,
): Promise<T> {
  return withDb(conn, action, (db) => runTx(db, ['traces', 'meta'], conn.durability, body));
}

export async function closeConnection(conn: Connection): Promise<void> {
  conn.closed = true;
  const pending = conn.db;
  conn.db = undefined;
  // An open that failed was reported when it failed; there is nothing to close then.
  const db = pending
    ? await pending.then(
        (opened) => opened,
        () => undefined,
      )
    : undefined;
  db?.close();
}
