import { describeError, TraceBufferError } from '../../core/errors.js';
import { isStoreOf, storeNamesOf, type StoreDeletion } from '../store-names.js';
import { databaseNameFor } from './database-name.js';

/**
 * Deletes the databases of buffer `name` and of its companions; returns the
 * names of those that existed, and why any could not be deleted. Every connection of this package closes on
 * the `versionchange` a delete sends (see `blocking` in open-database.ts) and
 * reopens lazily, so a delete waits only for transactions in flight. A
 * connection that stays open (a frozen tab, foreign code) blocks it: after
 * `blockedTimeoutMs` the delete rejects with DELETE_BLOCKED; the browser keeps
 * the request queued and completes it once that connection closes.
 */
export async function deleteDatabases(name: string, blockedTimeoutMs: number): Promise<StoreDeletion> {
  if (typeof indexedDB === 'undefined') return { removed: [], failures: [] };
  const names = new Set(storeNamesOf(name).map(databaseNameFor));
  const failures: unknown[] = [];
  const listing = await listedDatabases().catch((error: unknown) => {
    // The known names are still deleted; the caller hears that the listing failed.
    failures.push(
      new TraceBufferError('STORAGE_FAILED', `indexedDB.databases() failed (${describeError(error)}).`, {
        cause: error,
      }),
    );
    return [];
  });
  for (const listed of listing) {
    if (listed.startsWith(databaseNameFor('')) && isStoreOf(name, listed.slice(databaseNameFor('').length))) {
      names.add(listed);
    }
  }
  const outcomes = await Promise.allSettled([...names].map((db) => deleteOne(db, blockedTimeoutMs)));
  const removed = [...names].filter((_, i) => {
    const outcome = outcomes[i]!;
    return outcome.status === 'fulfilled' && outcome.value;
  });
  for (const outcome of outcomes) if (outcome.status === 'rejected') failures.push(outcome.reason);
  return { removed, failures };
}

/** Every database name where `indexedDB.databases()` exists (not in older Firefox); else none. */
async function listedDatabases(): Promise<string[]> {
  if (typeof indexedDB.databases !== 'function') return [];
  const infos = await indexedDB.databases();
  return infos.flatMap((info) => (info.name ? [info.name] : []));
}

/** True if the database existed: a delete reports its old version, 0 when there was none. */
function deleteOne(db: string, blockedTimeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const request = indexedDB.deleteDatabase(db);
    request.onsuccess = (event) => {
      clearTimeout(timer);
      resolve((event as IDBVersionChangeEvent).oldVersion > 0);
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(
        new TraceBufferError(
          'STORAGE_FAILED',
          `IndexedDB database "${db}" could not be deleted (${describeError(request.error)}).`,
          {
            cause: request.error,
          },
        ),
      );
    };
    request.onblocked = () => {
      timer ??= setTimeout(() => {
        const message = `IndexedDB database "${db}" is still open elsewhere after ${blockedTimeoutMs} ms; the browser deletes it once that connection closes.`;
        reject(new TraceBufferError('DELETE_BLOCKED', message, { details: { store: db } }));
      }, blockedTimeoutMs);
    };
  });
}
