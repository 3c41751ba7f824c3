/**
 * Damage a store the way a bug, an old version or a user with devtools could,
 * below the backend, so the contract can check how unreadable records count.
 * Each helper resolves the key the backend will report the record under.
 */

/** Puts a record with no age and no trace shape straight into the IndexedDB store. */
export async function putUnreadableIndexedDbRecord(databaseName: string): Promise<string> {
  const id = `unreadable-${Math.random().toString(36).slice(2)}`;
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(databaseName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
  try {
    const tx = db.transaction('traces', 'readwrite');
    tx.objectStore('traces').put({ id, traceData: 'not an object' });
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'));
    });
  } finally {
    db.close();
  }
  return id;
}
