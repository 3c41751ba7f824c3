import { TraceBufferError } from './errors.js';
import type { DeviceStorage } from './platform.js';
import type { Reporter } from './reporter.js';

/** What `persist: true` got: the browser's answer, or why there is none (yet). */
export type PersistRequest = 'not-requested' | 'pending' | 'granted' | 'denied' | 'unsupported' | 'failed';

/** `getBufferStatus().storage`: the device's figures where this context can read them. */
export interface StorageStatus {
  /** Whether this context exposes `navigator.storage.estimate()`. */
  supported: boolean;
  /** Bytes the whole origin uses (every store, not only this buffer), or null. */
  usage: number | null;
  /** Bytes the origin may use, or null. */
  quota: number | null;
  /** Whether the origin's storage is exempt from eviction, or null where it cannot be read. */
  persisted: boolean | null;
  /** What came of `persist: true`. */
  persistRequest: PersistRequest;
  /** Why a figure is missing (no `navigator.storage` here, or what reading it threw), else null. */
  reason: string | null;
}

const UNSUPPORTED = 'navigator.storage is not available in this context';
const NO_PERSIST = 'navigator.storage.persist() exists only on pages, not in this context';

/**
 * Asks the browser once to keep the buffer's storage (`persist: true`) and
 * reads the origin's usage, quota and persistence for the status. Persistence
 * matters here more than for a cache: a browser under storage pressure evicts
 * a "best-effort" origin whole, buffered traces included.
 */
export class StorageStanding {
  #request: PersistRequest = 'not-requested';
  readonly #storage: DeviceStorage | null;
  readonly #reporter: Reporter;

  constructor(storage: DeviceStorage | null, reporter: Reporter) {
    this.#storage = storage;
    this.#reporter = reporter;
  }

  /**
   * Asks once; never waits on the answer, since Firefox may hold it until the
   * user answers a prompt. A refusal is an answer, not an error.
   */
  requestPersistence(): void {
    if (this.#request !== 'not-requested') return;
    const persist = this.#storage?.persist;
    if (!persist) {
      this.#request = 'unsupported';
      return;
    }
    this.#request = 'pending';
    persist().then(
      (granted) => {
        this.#request = granted ? 'granted' : 'denied';
      },
      (error: unknown) => {
        this.#request = 'failed';
        this.#reporter.error(
          new TraceBufferError('PERSIST_FAILED', `navigator.storage.persist() failed: ${describe(error)}`, {
            cause: error,
          }),
        );
      },
    );
  }

  async status(): Promise<StorageStatus> {
    const storage = this.#storage;
    const status: StorageStatus = {
      supported: storage !== null,
      usage: null,
      quota: null,
      persisted: null,
      persistRequest: this.#request,
      reason: storage ? null : UNSUPPORTED,
    };
    if (!storage) return status;
    try {
      const { usage, quota } = await storage.estimate();
      status.usage = usage;
      status.quota = quota;
      if (storage.persisted) status.persisted = await storage.persisted();
      else status.reason = NO_PERSIST;
    } catch (error) {
      // The status answers even when the browser will not (e.g. a storage
      // partition being torn down): it says why instead of throwing.
      status.reason = `navigator.storage failed: ${describe(error)}`;
    }
    return status;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
