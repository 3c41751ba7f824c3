import type { StorageBackend } from './storage-backend.js';
import { storageError, TraceBufferError } from './errors.js';

/**
 * The backend as a replay pass sees it when the origin may be out of quota.
 * A pass writes only bookkeeping (the lease before a send, the attempt count
 * after a failure); in a full Chromium origin every write is refused while
 * removals still pass, so without this a full buffer could never drain. A
 * refused bookkeeping write is reported and the pass goes on as if it had been
 * written: delivery stays at least once (a replayer that dies mid-send leaves
 * its batch unleased, and the next one sends it again), only the attempt
 * count and the lease across tabs without Web Locks are lost.
 */
export function withBookkeepingUnderQuota(
  backend: StorageBackend,
  report: (error: TraceBufferError) => void,
): StorageBackend {
  let reported = false;
  return {
    kind: backend.kind,
    insert: (records, maxSize) => backend.insert(records, maxSize),
    readOldest: (limit, after) => backend.readOldest(limit, after),
    readAll: () => backend.readAll(),
    remove: (ids) => backend.remove(ids),
    async update(records) {
      try {
        return await backend.update(records);
      } catch (error) {
        const failure = storageError(error, 'writing replay bookkeeping');
        if (failure.code !== 'QUOTA_EXCEEDED') throw error;
        // Once per pass: every batch of a full origin fails the same way.
        if (!reported) {
          reported = true;
          report(
            new TraceBufferError(
              'QUOTA_EXCEEDED',
              `The origin is out of quota: this replay goes on without writing leases and attempt counts (${failure.message}).`,
              { cause: failure },
            ),
          );
        }
        return records.map((record) => record.id);
      }
    },
    stats: () => backend.stats(),
    clear: () => backend.clear(),
    close: () => backend.close(),
  };
}
