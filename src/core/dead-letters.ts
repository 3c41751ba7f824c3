import { storageError } from './errors.js';
import type { BufferEvent } from './events.js';
import { LazyBackend } from './lazy-backend.js';
import { refOf, toBufferedTraces, type BufferedTrace, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import type { StorageBackend } from './storage-backend.js';

/** The server's message is kept up to this many characters (an HTML error page can be large). */
export const DEAD_LETTER_MESSAGE_CHARS = 1000;

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

type Letter = StoredTrace & { deadLetter: DeadLetterInfo };

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
  #where: DeadLetterStore | undefined;

  constructor(
    maxCount: number | null,
    pick: (() => Promise<DeadLetterStore>) | undefined,
    reporter: Reporter,
    emit: (event: BufferEvent) => void,
  ) {
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
      const records: Letter[] = letters.map(({ record, info }) => ({
        ...record,
        lease: null,
        deadLetter: { ...info, message: info.message.slice(0, DEAD_LETTER_MESSAGE_CHARS) },
      }));
      const { evicted } = await store.insert(records, this.#maxCount);
      const first = records[0]!.deadLetter;
      this.#emit({ type: 'dead-lettered', traces: records.map(refOf), ...first });
      this.#reporter.drop('dead-letter-evicted', evicted.map(refOf));
      return 'dead-lettered';
    } catch (error) {
      this.#report(error, 'keeping refused traces as dead letters (they stay queued)');
      return 'kept';
    }
  }

  async list(): Promise<DeadLetter[]> {
    const read = await this.#read();
    return read.map(({ record, trace }) => ({ ...trace, deadLetter: (record as Letter).deadLetter }));
  }

  /**
   * Re-queues dead letters (all, or those with `ids`) with no attempts counted:
   * `requeue` stores them in the buffer first, then they leave this store.
   */
  async retry(ids: readonly string[] | undefined, requeue: (record: StoredTrace) => Promise<boolean>): Promise<number> {
    const wanted = ids && new Set(ids);
    const chosen = (await this.#read()).filter(({ record }) => !wanted || wanted.has(record.id));
    const stored = await Promise.all(
      chosen.map(({ record }) => {
        const trace: Partial<Letter> = { ...record, attempts: 0, lease: null };
        delete trace.deadLetter;
        return requeue(trace as StoredTrace);
      }),
    );
    const moved = chosen.filter((_, i) => stored[i]).map(({ record }) => record.id);
    if (moved.length > 0) await (await this.#store.get()).remove(moved);
    return moved.length;
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

  async #read() {
    if (!(await this.#existing())) return [];
    const { records, corrupt } = await (await this.#store.get()).readAll();
    const read = toBufferedTraces(records);
    this.#reporter.corrupt([...corrupt, ...read.corrupt]);
    return read.traces;
  }

  #report(error: unknown, doing: string): void {
    const failure = storageError(error, doing);
    if (this.#store.shouldReport(failure)) this.#reporter.error(failure);
  }
}
