import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction } from 'idb';
import type {
  AgeCursor,
  BackendStats,
  EvictedTrace,
  InsertResult,
  ReadResult,
  StorageBackend,
} from '../core/storage-backend.js';
import { isTraceBufferError, storageError, TraceBufferError, TraceBufferOptionError } from '../core/errors.js';
import { compareAge, decodeStoredTrace, type CorruptRecord, type StoredTrace } from '../core/record.js';

/**
 * The only file that knows the IndexedDB schema.
 *
 * - `traces`: one record per trace, keyed by its UUID, with a `byAge` index on
 *   [timestamp, seq] so the oldest traces are found without a scan.
 * - `meta`: running totals (count, bytes) updated in the same transaction as
 *   every write, because `count()` walks the whole store in both Chromium and
 *   Firefox and status or eviction must not cost O(n) per store. Removals that
 *   cannot write them delete them instead (see `removeWithoutWriting`): missing
 *   totals are recounted by the next step that needs them.
 *
 * IndexedDB serialises read-write transactions over the same stores across
 * every connection of the origin (tabs, workers), so one transaction that
 * inserts and evicts is atomic for all writers: the cap holds exactly.
 */
interface TraceDb extends DBSchema {
  traces: { key: string; value: StoredTrace; indexes: { byAge: [number, number] } };
  meta: { key: 'stats'; value: Totals };
}

export const INDEXEDDB_SCHEMA_VERSION = 1;
/** How long `open` may stay blocked by another tab's old connection before we give up. */
const OPEN_BLOCKED_TIMEOUT_MS = 5_000;
/**
 * How long any `open` may stay unsettled. An open queued behind another tab's
 * blocked upgrade gets no `blocked` event of its own and would wait for ever,
 * and every store with it; this is generous so a slow disk is not mistaken for that.
 */
const OPEN_QUEUED_TIMEOUT_MS = 10_000;
/** Extra rows read past a page so records tied on [timestamp, seq] are not skipped. */
const TIE_SLACK = 8;
/**
 * Records put per turn of the event loop. Cloning a record happens on the
 * calling thread, so 2,000 puts in one go held the page's main thread for one
 * long task (over 150 ms under load in Chromium); between chunks the page can
 * paint and handle input while the transaction stays open.
 */
const PUTS_PER_TASK = 200;
/** Most record sizes remembered from reads (see `knownSizes`); bounds the memory it holds. */
const KNOWN_SIZES_LIMIT = 4_096;

/**
 * Transaction durability for writes: `'default'` (the browser's choice),
 * `'strict'` (flushed to disk before a store resolves) or `'relaxed'`. Our own
 * type, not the DOM's `IDBTransactionDurability`, so the declarations compile
 * in projects without the DOM library.
 */
export type IndexedDbDurability = 'default' | 'strict' | 'relaxed';

export interface IndexedDbBackendOptions {
  /** The database name (the buffer's `name` namespaced by the core). */
  databaseName: string;
  /** Transaction durability for writes; see the README's guarantees. Default `'default'`. */
  durability?: IndexedDbDurability;
}

/** Checks the `durability` option at once, as every option is checked. */
export function durabilityOption(value: unknown): IndexedDbDurability {
  if (value === undefined) return 'default';
  if (value === 'default' || value === 'strict' || value === 'relaxed') return value;
  throw new TraceBufferOptionError('durability', value, '"default", "strict" or "relaxed"');
}

export function indexedDbBackend(options: IndexedDbBackendOptions): StorageBackend & { open(): Promise<void> } {
  const { databaseName } = options;
  const durability = options.durability ?? 'default';
  let dbPromise: Promise<IDBPDatabase<TraceDb>> | undefined;
  let closed = false;
  // Sizes of the records this instance read last. A replay removes exactly the
  // records it has just read; knowing their sizes, `remove` checks that each is
  // still there by key instead of reading every value back (2 KB each) only to
  // learn its size, which made a drain read everything twice. A record's size
  // never changes once stored: `update` only rewrites attempts.
  const knownSizes = new Map<string, number>();
  // The running totals as this instance last wrote or read them; see insert.
  // Only ever a guess that a read in the same transaction confirms.
  let lastTotals: Totals | undefined;
  // The age of the last record this instance evicted; see insert.
  let evictAfter: AgeCursor | undefined;
  // Called with the totals read by every step: if they are not the ones this
  // instance last saw, another instance wrote, perhaps a trace older than
  // `evictAfter`, which is then no longer a safe place to start from.
  const noticeWrites = (read: Totals | undefined): void => {
    if (!sameTotals(read, lastTotals)) evictAfter = undefined;
  };
  /** The age-index range just past `evictAfter`. */
  const pastLastEviction = (after: AgeCursor): IDBKeyRange =>
    IDBKeyRange.lowerBound([after.timestamp, after.seq], true);
  const rememberSizes = (records: readonly StoredTrace[]): void => {
    for (const record of records) knownSizes.set(record.id, record.sizeBytes);
    for (const id of knownSizes.keys()) {
      if (knownSizes.size <= KNOWN_SIZES_LIMIT) break;
      knownSizes.delete(id);
    }
  };

  const open = (): Promise<IDBPDatabase<TraceDb>> => {
    if (closed) return Promise.reject(new TraceBufferError('CLOSED', 'The IndexedDB backend was closed.'));
    dbPromise ??= openDatabase(databaseName, () => {
      // Safari drops connections (and another tab's upgrade asks us to go):
      // forget this one so the next operation reopens (as idb-keyval does).
      dbPromise = undefined;
    }).catch((error: unknown) => {
      dbPromise = undefined;
      throw error;
    });
    return dbPromise;
  };

  /** Runs one storage step; reopens once if the connection was closed under us. */
  const withDb = async <T>(action: string, step: (db: IDBPDatabase<TraceDb>) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const db = await open();
      try {
        return await step(db);
      } catch (error) {
        const closing = (error as { name?: unknown } | null)?.name === 'InvalidStateError';
        if (closing && attempt === 0 && !closed) {
          dbPromise = undefined;
          continue;
        }
        throw storageError(error, action);
      }
    }
  };

  /**
   * Removal for an origin out of quota. Chromium refuses every transaction
   * that writes while the origin is over its quota, even one whose only write
   * is the totals, but lets delete-only ones through (w3c/IndexedDB#196):
   * without this a full buffer could not even drain. The totals are deleted,
   * not written, and the next step that needs them recounts.
   */
  const removeWithoutWriting = (ids: readonly string[]): Promise<string[]> =>
    withDb('removing traces', (db) =>
      runTx(db, ['traces', 'meta'], durability, async (tx, watch) => {
        const traces = tx.objectStore('traces');
        const keys = await Promise.all(ids.map((id) => traces.getKey(id)));
        const removed = ids.filter((_, i) => keys[i] !== undefined);
        for (const id of removed) watch(traces.delete(id));
        for (const id of ids) knownSizes.delete(id);
        if (removed.length > 0) {
          watch(tx.objectStore('meta').delete('stats'));
          lastTotals = undefined;
        }
        return removed;
      }),
    );

  return {
    kind: 'indexeddb',

    async open() {
      await open();
    },

    insert(records, maxSize): Promise<InsertResult> {
      return withDb('storing traces', (db) =>
        runTx(db, ['traces', 'meta'], durability, async (tx, watch) => {
          const traces = tx.objectStore('traces');
          const meta = tx.objectStore('meta');
          // Issued first but not awaited before the puts: the engine runs
          // requests in order, so the totals read are those before this insert,
          // and a sequential store waits for one round trip instead of two.
          const statsRead = meta.get('stats');
          // The new totals are written at once from the ones this instance
          // saw last, and only checked against the read before committing:
          // the write no longer waits for the read's round trip, which cost a
          // sequential store a third of its time. If another tab changed the
          // totals meanwhile, or the cap is near, the totals are written again
          // from the read (the later put wins inside the transaction).
          const adding = { count: records.length, bytes: records.reduce((sum, r) => sum + r.sizeBytes, 0) };
          const seen = lastTotals;
          const guess =
            seen && seen.count + adding.count <= maxSize
              ? { count: seen.count + adding.count, bytes: seen.bytes + adding.bytes, writes: nextWrite(seen) }
              : undefined;
          if (guess) watch(meta.put(guess, 'stats'));
          let chunkStarted: Promise<unknown> | undefined;
          for (let start = 0; start < records.length; start += PUTS_PER_TASK) {
            // Waiting for the previous chunk's first put hands the thread
            // back, and its success callback keeps the transaction active for
            // the next chunk. The first, not the last: the engine still has
            // the rest of that chunk to write meanwhile, so it never waits for
            // us (waiting for the last put cost a round trip per chunk, 10 per
            // burst of 2,000, which Firefox pays in full). A failed put aborts
            // the whole insert.
            if (chunkStarted) await chunkStarted;
            chunkStarted = undefined;
            for (const record of records.slice(start, start + PUTS_PER_TASK)) {
              const put = traces.put(record);
              watch(put);
              chunkStarted ??= put;
            }
          }
          const byAge = traces.index('byAge');
          const readOldest = (range: IDBKeyRange | null, count: number) =>
            Promise.all([byAge.getAll(range, count), byAge.getAllKeys(range, count)]);
          // A full buffer, as far as this instance knows: the oldest to evict
          // are read now, with the totals, instead of after them. If nobody
          // else wrote, this is the right read, and a store into a full buffer
          // waits for two round trips instead of three.
          const hinted = evictAfter && !records.some((record) => compareAge(record, evictAfter!) <= 0);
          const early =
            !guess && seen && hinted && evictAfter
              ? readOldest(pastLastEviction(evictAfter), seen.count + adding.count - maxSize)
              : undefined;
          // Ignored when another instance wrote: its failure must not go unhandled then.
          if (early) watch(early);
          const read = await statsRead;
          const alone = sameTotals(read, seen);
          if (guess && alone) {
            lastTotals = guess;
            return { evicted: [] };
          }
          // Evicting from just after the last record this instance evicted
          // skips the deleted entries at the head of the index, which Chromium
          // walks until it compacts them (stores into a full buffer of 100,000
          // ran at a third of the rate at 1,000). That is safe only if no record
          // older than it can have arrived since: not if another instance wrote
          // in between (its stores may be older than ours), nor if this insert
          // brings one (the clock went back).
          if (!alone || !hinted) evictAfter = undefined;
          const stats: Totals = read ?? withoutRecords(await recount(traces), records);
          stats.count += adding.count;
          stats.bytes += adding.bytes;
          stats.writes = nextWrite(read);
          const evicted: EvictedTrace[] = [];
          let excess = stats.count - maxSize;
          const evictFrom = async (found: ReturnType<typeof readOldest>): Promise<void> => {
            // The whole excess in one read: a cursor cost a round trip per
            // evicted record, which made a burst into a full buffer 3x slower.
            const [oldest, keys] = await found;
            oldest.forEach((value, i) => {
              const key = keys[i];
              if (key === undefined) return;
              const record = decodeStoredTrace(value);
              evicted.push(evictedOf(record, key));
              stats.bytes -= sizeOf(value);
              watch(traces.delete(key));
              excess--;
              stats.count--;
              if (!('problem' in record)) evictAfter = { timestamp: record.timestamp, seq: record.seq, id: record.id };
            });
          };
          // The early read is right only if nobody else wrote (then the
          // excess is the one it assumed); else it is ignored.
          if (early && alone) await evictFrom(early);
          else if (excess > 0 && evictAfter) await evictFrom(readOldest(pastLastEviction(evictAfter), excess));
          if (excess > 0) await evictFrom(readOldest(null, excess));
          // Records missing from the index (edited by hand, corrupt) still count
          // against the cap: evict them in key order.
          let raw = excess > 0 ? await traces.openCursor() : null;
          while (raw && excess > 0) {
            evicted.push(evictedOf(decodeStoredTrace(raw.value), raw.primaryKey));
            stats.bytes -= sizeOf(raw.value);
            watch(raw.delete());
            excess--;
            stats.count--;
            raw = await raw.continue();
          }
          lastTotals = clampStats(stats);
          watch(meta.put(lastTotals, 'stats'));
          return { evicted };
        }),
      );
    },

    readOldest(limit, after?: AgeCursor): Promise<ReadResult> {
      return withDb('reading traces', async (db) => {
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
        rememberSizes(records);
        return { records, corrupt };
      });
    },

    readAll(): Promise<ReadResult> {
      return withDb('reading traces', async (db) => {
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
    },

    remove(ids): Promise<string[]> {
      return withDb('removing traces', (db) =>
        runTx(db, ['traces', 'meta'], durability, async (tx, watch) => {
          const traces = tx.objectStore('traces');
          const meta = tx.objectStore('meta');
          const sizeIfPresent = async (id: string): Promise<number | undefined> => {
            const known = knownSizes.get(id);
            if (known === undefined) {
              const record = await traces.get(id);
              return record === undefined ? undefined : sizeOf(record);
            }
            return (await traces.getKey(id)) === undefined ? undefined : known;
          };
          const [stats, sizes] = await Promise.all([meta.get('stats'), Promise.all(ids.map(sizeIfPresent))]);
          noticeWrites(stats);
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
          for (const id of ids) knownSizes.delete(id);
          lastTotals = clampStats(removed.length > 0 ? { ...totals, writes: nextWrite(totals) } : totals);
          if (removed.length > 0) watch(meta.put(lastTotals, 'stats'));
          return removed;
        }),
      ).catch((error: unknown) => {
        if (!isTraceBufferError(error, 'QUOTA_EXCEEDED')) throw error;
        return removeWithoutWriting(ids);
      });
    },

    update(records): Promise<string[]> {
      return withDb('updating traces', (db) =>
        runTx(db, ['traces', 'meta'], durability, async (tx, watch) => {
          const traces = tx.objectStore('traces');
          const meta = tx.objectStore('meta');
          const [stats, existing] = await Promise.all([
            meta.get('stats'),
            Promise.all(records.map((record) => traces.get(record.id))),
          ]);
          noticeWrites(stats);
          const totals = stats ?? (await recount(traces));
          const updated: string[] = [];
          existing.forEach((previous, i) => {
            const record = records[i];
            if (previous === undefined || record === undefined) return;
            watch(traces.put(record));
            totals.bytes += record.sizeBytes - sizeOf(previous);
            if (knownSizes.has(record.id)) knownSizes.set(record.id, record.sizeBytes);
            updated.push(record.id);
          });
          lastTotals = clampStats(updated.length > 0 ? { ...totals, writes: nextWrite(totals) } : totals);
          if (updated.length > 0) watch(meta.put(lastTotals, 'stats'));
          return updated;
        }),
      );
    },

    stats(): Promise<BackendStats> {
      return withDb('reading the buffer status', async (db) => {
        const tx = db.transaction(['traces', 'meta']);
        const index = tx.objectStore('traces').index('byAge');
        const seen = lastTotals;
        const after = evictAfter;
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
        noticeWrites(stats);
        lastTotals = stats ? { ...stats } : undefined;
        const totals = stats ?? (await recount(tx.objectStore('traces')));
        return {
          count: totals.count,
          bytes: totals.bytes,
          oldest: first ? first.key[0] : null,
          newest: last ? last.key[0] : null,
        };
      });
    },

    async clear(): Promise<number> {
      const clearAll = (totals: 'reset' | 'delete'): Promise<number> =>
        withDb('clearing the buffer', (db) =>
          runTx(db, ['traces', 'meta'], durability, async (tx, watch) => {
            knownSizes.clear();
            const [count, before] = await Promise.all([
              tx.objectStore('traces').count(),
              tx.objectStore('meta').get('stats'),
            ]);
            watch(tx.objectStore('traces').clear());
            const meta = tx.objectStore('meta');
            evictAfter = undefined;
            lastTotals = totals === 'reset' ? { count: 0, bytes: 0, writes: nextWrite(before) } : undefined;
            watch(lastTotals ? meta.put(lastTotals, 'stats') : meta.delete('stats'));
            return count;
          }),
        );
      try {
        // Out of quota, deletes only (see `removeWithoutWriting`); recounting an empty store costs nothing.
        return await clearAll('reset').catch((error: unknown) => {
          if (!isTraceBufferError(error, 'QUOTA_EXCEEDED')) throw error;
          return clearAll('delete');
        });
      } catch (wholeFailure) {
        // The single transaction failed: remove each record on its own so one
        // bad record cannot keep the rest (the openlayer hardening, fix 4).
        const keys = await withDb('clearing the buffer', (db) => db.getAllKeys('traces'));
        let removed = 0;
        const failures: unknown[] = [];
        for (const key of keys) {
          try {
            removed += (await this.remove([key])).length;
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
    },

    async close() {
      closed = true;
      const pending = dbPromise;
      dbPromise = undefined;
      // An open that failed was reported when it failed; there is nothing to close then.
      const db = pending
        ? await pending.then(
            (opened) => opened,
            () => undefined,
          )
        : undefined;
      db?.close();
    },
  };
}

type Watch = (request: Promise<unknown>) => void;

/**
 * Runs `body` in one transaction and resolves once it has committed. On any
 * failure the transaction is aborted, so a step either happens whole or not at
 * all (an exception thrown between requests would otherwise let IndexedDB
 * auto-commit the half done so far).
 */
async function runTx<T>(
  db: IDBPDatabase<TraceDb>,
  stores: ('traces' | 'meta')[],
  durability: IDBTransactionDurability,
  body: (tx: IDBPTransaction<TraceDb, ('traces' | 'meta')[], 'readwrite'>, watch: Watch) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(stores, 'readwrite', { durability });
  const failed: unknown[] = [];
  // Requests that are not awaited fail together with the transaction, whose
  // `done` carries the error; recording them keeps them from surfacing as
  // unhandled rejections while `tx.done` reports the failure.
  const watch: Watch = (request) => {
    request.catch((error: unknown) => failed.push(error));
  };
  let result: T;
  try {
    result = await body(tx, watch);
    commitNow(tx);
  } catch (error) {
    abortQuietly(tx);
    // The abort we just asked for rejects `done`; the body's error is the one
    // to report, unless a request ran out of quota first (then the body only
    // met the aborted transaction, and quota is what the caller must hear).
    await tx.done.then(
      () => undefined,
      (abortError: unknown) => failed.push(abortError),
    );
    throw failed.find(isQuotaError) ?? error;
  }
  try {
    await tx.done;
  } catch (error) {
    // tx.done reports an abort as AbortError; the request's own error says why.
    throw failed.find(isQuotaError) ?? error;
  }
  return result;
}

/**
 * Every request is issued: commit now instead of when the engine notices that
 * no callback issued more, which costs a round trip per transaction (most of a
 * small write's time in Chromium). Engines without `commit()` commit on their own.
 */
function commitNow(tx: IDBPTransaction<TraceDb, ('traces' | 'meta')[], 'readwrite'>): void {
  if (typeof tx.commit !== 'function') return;
  try {
    tx.commit();
  } catch (error) {
    // InvalidStateError: no longer active, so it is committing already.
    if ((error as { name?: string } | null)?.name !== 'InvalidStateError') throw error;
  }
}

function abortQuietly(tx: IDBPTransaction<TraceDb, ('traces' | 'meta')[], 'readwrite'>): void {
  try {
    tx.abort();
  } catch (error) {
    // InvalidStateError: the transaction already finished (committed or aborted
    // by the failed request), which is the outcome abort() wanted.
    if ((error as { name?: string } | null)?.name !== 'InvalidStateError') throw error;
  }
}

async function openDatabase(name: string, onGone: () => void): Promise<IDBPDatabase<TraceDb>> {
  let blockedTimer: ReturnType<typeof setTimeout> | undefined;
  let rejectBlocked: ((error: Error) => void) | undefined;
  let gaveUp = false;
  const blocked = new Promise<never>((_, reject) => (rejectBlocked = reject));
  const queuedTimer = setTimeout(() => {
    gaveUp = true;
    rejectBlocked?.(
      new Error(
        `the open did not settle within ${OPEN_QUEUED_TIMEOUT_MS} ms (queued behind another connection's blocked upgrade?)`,
      ),
    );
  }, OPEN_QUEUED_TIMEOUT_MS);
  // An async wrapper: Firefox private windows throw from indexedDB.open itself,
  // and that throw must reach the catch below like a failed request does.
  const opening = (async () =>
    openDB<TraceDb>(name, INDEXEDDB_SCHEMA_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          const traces = database.createObjectStore('traces', { keyPath: 'id' });
          traces.createIndex('byAge', ['timestamp', 'seq']);
          // The upgrade transaction commits this put together with the schema.
          void database.createObjectStore('meta').put({ count: 0, bytes: 0 }, 'stats');
        }
      },
      blocked() {
        blockedTimer = setTimeout(() => {
          gaveUp = true;
          rejectBlocked?.(new Error(`another connection kept the database blocked for ${OPEN_BLOCKED_TIMEOUT_MS} ms`));
        }, OPEN_BLOCKED_TIMEOUT_MS);
      },
      blocking(_current, _next, event) {
        // A newer version wants to upgrade in another tab: let it.
        (event.target as IDBDatabase).close();
        onGone();
      },
      terminated: onGone,
    }))();
  // If we gave up while blocked, an open that succeeds later must not linger
  // and block the other tab in turn.
  opening.then(
    (late) => {
      if (gaveUp) late.close();
    },
    () => undefined, // the same rejection is handled by the race below
  );
  try {
    const db = await Promise.race([opening, blocked]);
    // Opened: the timers must not mark it given up while the stats are checked.
    clearTimeout(blockedTimer);
    clearTimeout(queuedTimer);
    await reconcileStats(db);
    return db;
  } catch (error) {
    throw new TraceBufferError(
      'STORAGE_UNAVAILABLE',
      `IndexedDB database "${name}" cannot be opened (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}).`,
      { cause: error },
    );
  } finally {
    clearTimeout(blockedTimer);
    clearTimeout(queuedTimer);
  }
}

/**
 * The running totals drift only if someone edits the database by hand or a
 * version without them wrote it. Checked once per open: one count() here saves
 * one on every later write. Wrong totals are deleted, not rewritten: a delete
 * passes even when the origin is out of quota (a write would fail the open),
 * and the next step that needs them recounts.
 */
async function reconcileStats(db: IDBPDatabase<TraceDb>): Promise<void> {
  const tx = db.transaction(['traces', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  const [count, stats] = await Promise.all([tx.objectStore('traces').count(), meta.get('stats')]);
  if (stats && (stats.count !== count || stats.bytes < 0)) await meta.delete('stats');
  await tx.done;
}

/** Totals from the records themselves: O(n), only while the stored ones are missing. */
async function recount<Mode extends IDBTransactionMode>(
  traces: IDBPObjectStore<TraceDb, ('traces' | 'meta')[], 'traces', Mode>,
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
function withoutRecords(
  totals: { count: number; bytes: number },
  records: readonly StoredTrace[],
): { count: number; bytes: number } {
  return {
    count: totals.count - records.length,
    bytes: totals.bytes - records.reduce((sum, record) => sum + record.sizeBytes, 0),
  };
}

function isQuotaError(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'QuotaExceededError';
}

function sizeOf(value: unknown): number {
  const size = (value as { sizeBytes?: unknown } | null)?.sizeBytes;
  return typeof size === 'number' && size > 0 ? size : 0;
}

function keyOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : String(id);
}

function evictedOf(record: ReturnType<typeof decodeStoredTrace>, key: IDBValidKey): EvictedTrace {
  if ('problem' in record) return { id: keyText(key), traceId: keyText(key), timestamp: 0 };
  return { id: record.id, traceId: record.traceId, timestamp: record.timestamp };
}

/**
 * The running totals. `writes` counts the transactions that changed the
 * store, so an instance can tell that nobody else wrote since it last did,
 * even when another tab's insert and eviction left count and bytes as they were.
 */
interface Totals {
  count: number;
  bytes: number;
  writes?: number;
}

function clampStats(stats: Totals): Totals {
  return { count: Math.max(0, stats.count), bytes: Math.max(0, stats.bytes), writes: stats.writes ?? 0 };
}

function nextWrite(totals: Totals | undefined): number {
  return ((totals?.writes ?? 0) + 1) % Number.MAX_SAFE_INTEGER;
}

/** Whether the totals read are exactly those this instance last wrote or read. */
function sameTotals(read: Totals | undefined, seen: Totals | undefined): boolean {
  return (
    read !== undefined &&
    seen !== undefined &&
    read.count === seen.count &&
    read.bytes === seen.bytes &&
    (read.writes ?? 0) === (seen.writes ?? 0)
  );
}

function keyText(key: IDBValidKey): string {
  return typeof key === 'string' || typeof key === 'number' ? String(key) : JSON.stringify(key);
}
