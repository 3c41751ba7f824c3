import { storageError } from './errors.js';
import type { BufferEvent } from './events.js';
import { LazyBackend } from './lazy-backend.js';
import { refOf, type BufferedTrace, type CorruptRecord, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import type { StorageBackend } from './storage-backend.js';

/** Why a dead letter was refused: the answer's status (absent without one), its message, when. */
export interface DeadLetterInfo {
  status?: number;
  message: string;
  at: number;
}

/** A trace the collector refused for good, as `getDeadLetters` returns it. */
export interface DeadLetter extends BufferedTrace {
  deadLetter: DeadLetterInfo;
}

/** Where the platform keeps the dead letters of one main store (see backends/dead-letter-store.ts). */
export interface DeadLetterStore {
  /** 'indexeddb', 'opfs', 'memory' or a custom backend's kind; shown as `status.deadLetterStorage`. */
  kind: string;
  /** Whether the store exists already: reading (the status, an empty list) never creates one. */
  exists: () => Promise<boolean>;
  open: () => Promise<StorageBackend>;
}

/** What became of refused traces: stored as dead letters, to be dropped (no store), or kept queued (the store failed). */
export type Refusal = 'dead-lettered' | 'dropped' | 'kept';

/**
 * What moves traces in and out of the store, loaded on first use: a page
 * whose collector never refuses a trace never loads it (the main-thread budget).
 */
const moves = () => import('./dead-letter-moves.js');

/** Reads stored records out as traces (decompressing those stored compressed); unreadable ones set apart. */
export type DecodeRecords = (
  records: readonly StoredTrace[],
) => Promise<{ traces: { record: StoredTrace; trace: BufferedTrace }[]; corrupt: CorruptRecord[] }>;

/**
 * The dead letters: a store of their own of the same kind as the buffer's,
 * with a cap of its own, opened only when a dead letter is written or read
 * (a second store opened up front would fail, and be reported, beside a main
 * store that cannot open). Every step that moves a trace between the stores
 * writes first and removes second: a crash between leaves a copy by id in
 * both, never none.
 */
export class DeadLetters {
  readonly #maxCount: number | null;
  readonly #reporter: Reporter;
  readonly #emit: (event: BufferEvent) => void;
  readonly #store: LazyBackend;
  readonly #pick: (() => Promise<DeadLetterStore>) | undefined;
  readonly #decode: DecodeRecords;
  #where: DeadLetterStore | undefined;

  constructor(
    maxCount: number | null,
    pick: (() => Promise<DeadLetterStore>) | undefined,
    reporter: Reporter,
    emit: (event: BufferEvent) => void,
    decode: DecodeRecords,
  ) {
    this.#decode = decode;
    this.#maxCount = pick ? maxCount : null;
    this.#reporter = reporter;
    this.#emit = emit;
    this.#store = new LazyBackend(async () => {
      this.#where ??= await pick!();
      return { backend: await this.#where.open(), fallbackReason: null };
    });
    this.#pick = pick;
  }

  get kind(): string | null {
    return this.#maxCount === null ? null : (this.#where?.kind ?? null);
  }

  /** Stores refused traces as dead letters; resolves 'dropped' (nothing done) when dead letters are off. */
  async refuse(letters: { record: StoredTrace; info: DeadLetterInfo }[]): Promise<Refusal> {
    if (this.#maxCount === null) return 'dropped';
    try {
      const store = await this.#store.get();
      const { records, evicted } = await (await moves()).writeLetters(store, letters, this.#maxCount);
      this.#emit({ type: 'dead-lettered', traces: records.map(refOf), ...records[0]!.deadLetter });
      this.#reporter.drop('dead-letter-evicted', evicted.map(refOf));
      return 'dead-lettered';
    } catch (error) {
      this.#report(error, 'keeping refused traces as dead letters (they stay queued)');
      return 'kept';
    }
  }

  async list(): Promise<DeadLetter[]> {
    return (await this.#existing())
      ? (await moves()).readLetters(await this.#store.get(), this.#decode, this.#reporter)
      : [];
  }

  /**
   * Re-queues dead letters (all, or those with `ids`) with no attempts counted:
   * `requeue` stores them in the buffer first, then they leave this store.
   */
  async retry(ids: readonly string[] | undefined, requeue: (record: StoredTrace) => Promise<boolean>): Promise<number> {
    if (!(await this.#existing())) return 0;
    return (await moves()).retryLetters(await this.#store.get(), ids, requeue, this.#decode, this.#reporter);
  }

  async clear(): Promise<number> {
    return (await this.#existing()) ? (await this.#store.get()).clear() : 0;
  }

  /** For the status: how many there are, 0 when there is no store yet; a failure is reported once. */
  async count(): Promise<number> {
    try {
      return (await this.#existing()) ? (await (await this.#store.get()).stats()).count : 0;
    } catch (error) {
      this.#report(error, 'counting dead letters');
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  /** The store if it is open or exists; false when dead letters are off or none were ever written. */
  async #existing(): Promise<boolean> {
    if (this.#maxCount === null) return false;
    if (this.#store.known) return true;
    this.#where ??= await this.#pick!();
    return this.#where.exists();
  }

  #report(error: unknown, doing: string): void {
    const failure = storageError(error, doing);
    if (this.#store.shouldReport(failure)) this.#reporter.error(failure);
  }
}
