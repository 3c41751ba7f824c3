import { storageError } from './errors.js';
import { refOf, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import type { BackendStats, StorageBackend } from './storage-backend.js';

/** Records read per step of a sweep: bounds the memory a week of expired traces holds. */
export const EXPIRY_BATCH = 500;

/**
 * `maxAgeMs`: a trace older than it is never sent (a replay skips it) and is
 * dropped, reason `expired`, by the next store, status or replay, oldest first
 * in batches. A telemetry backend rejects or misfiles data that old, and it
 * is personal data kept past its use.
 */
export class Expiry {
  readonly #maxAgeMs: number;
  readonly #reporter: Reporter;
  readonly #now: () => number;
  // The oldest timestamp this instance knows may be stored: lets a store skip
  // the sweep (and its read) until something can have expired.
  #oldestKnown = -Infinity;
  #sweeping: Promise<BackendStats> | null = null;

  constructor(maxAgeMs: number, reporter: Reporter, now: () => number = Date.now) {
    this.#maxAgeMs = maxAgeMs;
    this.#reporter = reporter;
    this.#now = now;
  }

  isExpired(record: { timestamp: number }): boolean {
    return record.timestamp < this.#now() - this.#maxAgeMs;
  }

  /** After a commit: sweeps only when one of the known records can have expired. */
  afterInsert(backend: StorageBackend, records: readonly StoredTrace[]): void {
    for (const record of records) this.#oldestKnown = Math.min(this.#oldestKnown, record.timestamp);
    if (!this.isExpired({ timestamp: this.#oldestKnown })) return;
    this.sweep(backend).catch((error: unknown) => this.#reporter.error(storageError(error, 'dropping expired traces')));
  }

  /**
   * Drops every expired record; one sweep at a time. Resolves with the
   * backend's stats after it, so the status need not read them again.
   */
  sweep(backend: StorageBackend): Promise<BackendStats> {
    this.#sweeping ??= this.#sweep(backend).finally(() => {
      this.#sweeping = null;
    });
    return this.#sweeping;
  }

  /** Drops records a replay found expired (it never sends them). */
  async drop(backend: StorageBackend, records: readonly StoredTrace[]): Promise<number> {
    if (records.length === 0) return 0;
    const removed = new Set(await backend.remove(records.map((record) => record.id)));
    this.#reporter.drop('expired', records.filter((record) => removed.has(record.id)).map(refOf));
    return removed.size;
  }

  async #sweep(backend: StorageBackend): Promise<BackendStats> {
    for (;;) {
      const stats = await backend.stats();
      if (stats.oldest === null || !this.isExpired({ timestamp: stats.oldest })) {
        this.#oldestKnown = stats.oldest ?? Infinity;
        return stats;
      }
      const { records } = await backend.readOldest(EXPIRY_BATCH);
      const expired = records.filter((record) => this.isExpired(record));
      if (expired.length === 0) {
        // Only an unreadable record looked older: it stays until removed or
        // cleared, and nothing readable is old enough to drop.
        this.#oldestKnown = records[0]?.timestamp ?? Infinity;
        return stats;
      }
      // Nothing removed (another context got there, or the backend would
      // not): stop rather than read the same records again.
      if ((await this.drop(backend, expired)) === 0) return backend.stats();
    }
  }
}
