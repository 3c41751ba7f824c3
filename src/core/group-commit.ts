import { storageError, type TraceBufferError } from './errors.js';
import type { TraceRef } from './events.js';
import type { LazyBackend } from './lazy-backend.js';
import { stillFull } from './quota-advice.js';
import { refOf, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import type { EvictedTrace, StorageBackend } from './storage-backend.js';

/** Most stores committed in one transaction; bounds the memory a huge burst holds. */
const MAX_GROUP_COMMIT = 2_000;

interface PendingStore {
  record: StoredTrace;
  resolve: (stored: boolean) => void;
}

export interface GroupCommitOptions {
  backend: LazyBackend;
  reporter: Reporter;
  maxBufferSize: number;
  maxBufferBytes: number;
  /** Turns records into what is stored (compression); runs before the backend step, never inside it. */
  /** `stop()` turning true (page exit) asks it to hand back the rest of the records as they are, at once. */
  prepare?: ((records: StoredTrace[], stop: () => boolean) => Promise<StoredTrace[]> | null) | undefined;
  /** Called once records are committed, with the ones the same step evicted. */
  inserted: (records: StoredTrace[], evicted: EvictedTrace[]) => void;
}

/**
 * Group commit: stores issued together are written in one backend step, and
 * each promise resolves only once its record is committed (`true`) or known
 * lost (`false`, with the reason reported and a `dropped` event). A burst of
 * 2,000 stores costs a handful of transactions instead of 2,000.
 */
export class GroupCommit {
  readonly #options: GroupCommitOptions;
  readonly #pending: PendingStore[] = [];
  #flushing: Promise<void> | null = null;
  // Set when evicting old traces did not let a store through (the origin stays
  // full); cleared by the next store that succeeds.
  #evictionFreedNothing = false;
  // Set by commitNow (page exit): the page may have milliseconds left, so
  // what is pending is written as it is, not compressed first.
  #urgent = false;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  enqueue(record: StoredTrace): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.#pending.push({ record, resolve });
      this.#flushing ??= this.#flushLoop();
    });
  }

  /** Commits what is pending now rather than after the current microtask chain (page exit). */
  commitNow(): void {
    // A commit already compressing counts too: it hands the rest of its batch over as it is.
    if (this.#pending.length === 0 && !this.#flushing) return;
    this.#urgent = true;
    this.#flushing ??= this.#flushLoop();
  }

  /** Resolves once every store issued so far has settled. */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flushLoop(): Promise<void> {
    // Yield once so every store of a synchronous burst joins the first batch.
    await Promise.resolve();
    while (this.#pending.length > 0) await this.#commit(this.#pending.splice(0, MAX_GROUP_COMMIT));
    this.#flushing = null;
    this.#urgent = false;
  }

  async #commit(batch: PendingStore[]): Promise<void> {
    const { backend, reporter, prepare } = this.#options;
    let records = batch.map((entry) => entry.record);
    const prepared = this.#urgent ? null : prepare?.(records, () => this.#urgent);
    if (prepared) records = await prepared;
    const refs = records.map(refOf);
    const settle = (stored: boolean): void => batch.forEach((entry) => entry.resolve(stored));
    let store: StorageBackend;
    try {
      store = await backend.get();
    } catch (error) {
      const failure = storageError(error, 'opening storage');
      if (backend.shouldReport(failure)) reporter.error(failure);
      reporter.drop('storage', refs, failure);
      return settle(false);
    }
    try {
      await this.#insert(store, records);
      this.#evictionFreedNothing = false;
      return settle(true);
    } catch (error) {
      const failure = storageError(error, 'storing traces');
      if (failure.code !== 'QUOTA_EXCEEDED') {
        reporter.error(failure);
        reporter.drop('storage', refs, failure);
        return settle(false);
      }
      return settle(await this.#makeRoomAndRetry(store, records, refs, failure));
    }
  }

  /**
   * Out of quota: make room by evicting as many of the oldest traces as we are
   * adding, then try once more (never loop: the disk may be full). If evicting
   * did not let a store through last time, losing more old traces would not
   * save these new ones: they are dropped instead.
   */
  async #makeRoomAndRetry(
    store: StorageBackend,
    records: StoredTrace[],
    refs: TraceRef[],
    failure: TraceBufferError,
  ): Promise<boolean> {
    const { reporter } = this.#options;
    if (this.#evictionFreedNothing) {
      const refused = stillFull(failure, 0);
      reporter.error(refused);
      reporter.drop('quota', refs, refused);
      return false;
    }
    let evicted = 0;
    try {
      const { records: oldest } = await store.readOldest(records.length);
      const removed = new Set(await store.remove(oldest.map((record) => record.id)));
      evicted = removed.size;
      reporter.drop('quota', oldest.filter((record) => removed.has(record.id)).map(refOf), failure);
      await this.#insert(store, records);
      reporter.error(failure);
      return true;
    } catch (retryError) {
      let final = storageError(retryError, 'storing traces after evicting to make room');
      if (final.code === 'QUOTA_EXCEEDED') {
        this.#evictionFreedNothing = true;
        final = stillFull(final, evicted);
      }
      reporter.error(final);
      reporter.drop(final.code === 'QUOTA_EXCEEDED' ? 'quota' : 'storage', refs, final);
      return false;
    }
  }

  async #insert(store: StorageBackend, records: StoredTrace[]): Promise<void> {
    const { evicted } = await store.insert(records, this.#options.maxBufferSize, this.#options.maxBufferBytes);
    this.#options.inserted(records, evicted);
  }
}
