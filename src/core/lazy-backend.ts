import { storageError, type TraceBufferError } from './errors.js';
import type { BackendChoice } from './platform.js';
import type { StorageBackend } from './storage-backend.js';

/** After a failed open, calls fail fast with its error for this long, doubling per failure up to the max. */
const OPEN_RETRY_FIRST_MS = 5_000;
const OPEN_RETRY_MAX_MS = 60_000;

/**
 * The storage, opened on the first call that needs it. A failed open is not
 * remembered for good (an explicit 'indexeddb' may open on a later try), but
 * calls before its backoff has passed fail fast with its error: an open
 * blocked by another tab costs seconds, and every call waiting for it again
 * would stall every store. Its error is reported once until an open succeeds.
 */
export class LazyBackend {
  /** What the last successful open chose, for the status. */
  known: BackendChoice | undefined;
  readonly #open: () => Promise<BackendChoice>;
  #choice: Promise<BackendChoice> | undefined;
  #failure: { error: TraceBufferError; failures: number; retryAt: number } | undefined;
  #reported: string | undefined;

  constructor(open: () => Promise<BackendChoice>) {
    this.#open = open;
  }

  async get(): Promise<StorageBackend> {
    if (!this.#choice && this.#failure && Date.now() < this.#failure.retryAt) throw this.#failure.error;
    this.#choice ??= this.#open().then(
      (chosen) => {
        this.#failure = undefined;
        this.#reported = undefined;
        return chosen;
      },
      (error: unknown) => {
        this.#choice = undefined;
        const failures = (this.#failure?.failures ?? 0) + 1;
        const backoffMs = Math.min(OPEN_RETRY_MAX_MS, OPEN_RETRY_FIRST_MS * 2 ** (failures - 1));
        this.#failure = { error: storageError(error, 'opening storage'), failures, retryAt: Date.now() + backoffMs };
        throw this.#failure.error;
      },
    );
    this.known = await this.#choice;
    return this.known.backend;
  }

  /** False for a repeat of the failed open already reported; every other failure is worth a report. */
  shouldReport(failure: TraceBufferError): boolean {
    if (this.#failure?.error !== failure) return true;
    const key = `${failure.code} ${failure.message}`;
    if (this.#reported === key) return false;
    this.#reported = key;
    return true;
  }

  /** Closes the storage if it ever opened. */
  async close(): Promise<void> {
    if (!this.#choice) return;
    const store = await this.#choice.then(
      (chosen) => chosen.backend,
      () => undefined, // it never opened, so there is nothing to close
    );
    await store?.close();
  }
}
