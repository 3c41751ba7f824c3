/**
 * The IndexedDB baselines, written against the raw API (no wrapper) so they
 * are the cheapest way to do each job. Every run gets a fresh database.
 *
 * - `bare`: one object store keyed by id, nothing else (what idb-keyval and a
 *   naive buffer keep);
 * - `indexed`: the same plus an index on [timestamp, seq], the least a buffer
 *   needs to find its oldest traces without a scan (the library keeps this too);
 * - `library`: the same plus a `meta` store holding the running count and size,
 *   as the library keeps them, so a write can be measured with that schema alone.
 */
import { baselineRecord, type BaselineRecord, type BenchTrace } from './trace-fixtures.js';

export type RawSchema = 'bare' | 'indexed' | 'library';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

export async function openRaw(name: string, schema: RawSchema): Promise<IDBDatabase> {
  const req = indexedDB.open(name, 1);
  req.onupgradeneeded = () => {
    const store = req.result.createObjectStore('traces', { keyPath: 'id' });
    if (schema !== 'bare') store.createIndex('byAge', ['timestamp', 'seq']);
    if (schema === 'library') req.result.createObjectStore('meta').put({ count: 0, bytes: 0 }, 'stats');
  };
  return request(req);
}

export async function deleteDatabase(name: string): Promise<void> {
  const req = indexedDB.deleteDatabase(name);
  await new Promise<void>((resolve, reject) => {
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`deleting ${name} failed`));
    // Another connection still open: the delete completes once it closes.
    req.onblocked = () => undefined;
  });
}

export async function countRaw(db: IDBDatabase): Promise<number> {
  return request(db.transaction('traces').objectStore('traces').count());
}

/** The ceiling: every trace in one transaction. */
export async function putAllInOneTransaction(
  db: IDBDatabase,
  traces: readonly BenchTrace[],
  durability: IDBTransactionDurability = 'default',
): Promise<void> {
  const tx = db.transaction('traces', 'readwrite', { durability });
  const store = tx.objectStore('traces');
  for (const trace of traces) store.put(baselineRecord(trace));
  await committed(tx);
}

/** The naive buffer: one transaction per trace. */
export async function putInOwnTransaction(
  db: IDBDatabase,
  trace: BenchTrace,
  durability: IDBTransactionDurability = 'default',
): Promise<void> {
  const tx = db.transaction('traces', 'readwrite', { durability });
  tx.objectStore('traces').put(baselineRecord(trace));
  await committed(tx);
}

/**
 * The drain ceiling: read the 100 oldest, delete them, in one transaction per
 * batch, each read starting just after the last key read (starting at the head
 * would walk the deleted entries again on every read in Chromium).
 */
export async function drainRaw(db: IDBDatabase, batchSize: number): Promise<number> {
  let drained = 0;
  let after: IDBValidKey | undefined;
  for (;;) {
    const tx = db.transaction('traces', 'readwrite');
    const store = tx.objectStore('traces');
    const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
    const rows = await request(store.index('byAge').getAll(range, batchSize) as IDBRequest<BaselineRecord[]>);
    for (const row of rows) store.delete(row.id);
    await committed(tx);
    const last = rows[rows.length - 1];
    if (!last) return drained;
    after = [last.timestamp, last.seq];
    drained += rows.length;
  }
}

/**
 * The cost-growth baseline: stores into a full store, each transaction putting
 * its traces and deleting as many of the oldest, found through the age index
 * starting after the last deleted key (the cheapest way to find them). What
 * the engine itself does as the store grows, with nothing of the library's.
 */
export class RawFullStore {
  private after: IDBValidKey | undefined;

  constructor(private readonly db: IDBDatabase) {}

  async putAndEvict(traces: readonly BenchTrace[]): Promise<void> {
    const tx = this.db.transaction('traces', 'readwrite');
    const store = tx.objectStore('traces');
    for (const trace of traces) store.put(baselineRecord(trace));
    const range = this.after === undefined ? undefined : IDBKeyRange.lowerBound(this.after, true);
    const rows = await request(store.index('byAge').getAll(range, traces.length) as IDBRequest<BaselineRecord[]>);
    for (const row of rows) store.delete(row.id);
    const last = rows[rows.length - 1];
    if (last) this.after = [last.timestamp, last.seq];
    tx.commit();
    await committed(tx);
  }
}

/**
 * One transaction per trace with the library's schema and its steps, raw:
 * read the totals, put the trace and the new totals at once, and commit once
 * the read confirmed them. What the library's sequential store costs in the
 * engine alone, without its code or the idb wrapper.
 */
export async function putInOwnTransactionWithTotals(db: IDBDatabase, trace: BenchTrace): Promise<void> {
  const tx = db.transaction(['traces', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  const read = request(meta.get('stats') as IDBRequest<{ count: number; bytes: number }>);
  const record = baselineRecord(trace);
  tx.objectStore('traces').put(record);
  const seen = totalsSeen.get(db) ?? { count: 0, bytes: 0 };
  const next = { count: seen.count + 1, bytes: seen.bytes + 2_000 };
  meta.put(next, 'stats');
  const stored = await read;
  if (stored.count !== seen.count) throw new Error('another writer changed the totals');
  totalsSeen.set(db, next);
  tx.commit();
  await committed(tx);
}

const totalsSeen = new WeakMap<IDBDatabase, { count: number; bytes: number }>();
