import { compareAge, type StoredTrace } from '../../core/record.js';
import type { Frame } from './frame-codec.js';
import { recordToJson } from './record-json.js';

/**
 * A record in the in-memory index, kept in its JSON form: the JSON is written
 * to the log anyway, and parsing it on read gives callers their own copy, so
 * no record is cloned on the write path.
 */
export interface Entry {
  id: string;
  timestamp: number;
  seq: number;
  sizeBytes: number;
  traceId: string;
  json: string;
}

/**
 * The live records of the log, by id, pure (no OPFS). Kept in age order
 * lazily: appends in age order (the common case) keep it sorted; anything
 * else marks it unsorted, and the next `ordered()` sorts once.
 */
export class RecordIndex {
  #records = new Map<string, Entry>();
  #sorted = true;
  /** The last record in map order while sorted; undefined when unknown. */
  #tail: Entry | undefined;
  #bytes = 0;

  get size(): number {
    return this.#records.size;
  }

  /** The sum of the records' `sizeBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  ids(): string[] {
    return [...this.#records.keys()];
  }

  clear(): void {
    this.#records = new Map();
    this.#sorted = true;
    this.#tail = undefined;
    this.#bytes = 0;
  }

  /** The records in age order, oldest first. Deleting while iterating is safe (a Map). */
  ordered(): ReadonlyMap<string, Entry> {
    if (!this.#sorted) {
      const entries = [...this.#records.entries()].sort(([, a], [, b]) => compareAge(a, b));
      this.#records = new Map(entries);
      this.#tail = entries[entries.length - 1]?.[1];
      this.#sorted = true;
    }
    return this.#records;
  }

  /** Inserts `stored`, or replaces the record with its id; `json` is its JSON form. */
  put(stored: StoredTrace, json: string): void {
    const record: Entry = {
      id: stored.id,
      timestamp: stored.timestamp,
      seq: stored.seq,
      sizeBytes: stored.sizeBytes,
      traceId: stored.traceId,
      json,
    };
    const previous = this.#records.get(record.id);
    if (previous) {
      this.#bytes -= previous.sizeBytes;
      // A replaced record keeps its place only if its age did not change.
      if (compareAge(previous, record) !== 0) this.#sorted = false;
      if (previous === this.#tail) this.#tail = record;
    } else if (this.#records.size === 0) {
      this.#tail = record;
      this.#sorted = true;
    } else if (this.#sorted && this.#tail && compareAge(record, this.#tail) >= 0) {
      this.#tail = record;
    } else {
      this.#sorted = false;
    }
    this.#records.set(record.id, record);
    this.#bytes += record.sizeBytes;
  }

  del(id: string): Entry | undefined {
    const record = this.#records.get(id);
    if (!record) return undefined;
    this.#records.delete(id);
    this.#bytes -= record.sizeBytes;
    if (record === this.#tail) this.#tail = undefined;
    return record;
  }

  /** Replays one decoded frame of the log. */
  apply(frame: Frame): void {
    for (const record of frame.p ?? []) this.put(record, recordToJson(record));
    for (const id of frame.d ?? []) this.del(id);
  }
}
