/**
 * The IndexedDB baselines, written against the raw API (no wrapper) so they
 * are the cheapest way to do each job. Every run gets a fresh database.
 *
 * - `bare`: one object store keyed by id, nothing else (what idb-keyval and a
 *   naive buffer keep);
 * - `indexed`: the same plus an index on [timestamp, seq], the least a buffer
 *   needs to find its oldest traces without a scan (the library keeps this too).
 */
import { baselineRecord, type BaselineRecord, type BenchTrace } from './trace-fixtures.js';

export type RawSchema = 'bare' | 'indexed';

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
    if (schema === 'indexed') store.createIndex('byAge', ['timestamp', 'seq']);
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
