import { TraceBufferError } from './errors.js';

/** A JSON-compatible value, as it reads back after being buffered. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Anything JSON.stringify accepts; it is stored in its JSON form. */
export type TraceData = Record<string, unknown>;
export type TraceConfig = Record<string, unknown>;

/** Version of the stored record layout (Openlayer's buffers say "1.0" too). */
export const BUFFER_VERSION = '1.0';

export interface BufferedTraceMetadata {
  bufferVersion: string;
  createdBy: string;
}

/** A trace as `getBufferedTraces` returns it. Field names match Openlayer's records. */
export interface BufferedTrace {
  /** A full random UUID; the handle for `removeTrace` and the idempotency key of deliveries. */
  id: string;
  /** The trace in its JSON form (Dates as ISO strings, `undefined` fields gone). */
  traceData: { [key: string]: JsonValue };
  config: { [key: string]: JsonValue };
  inferencePipelineId: string | null;
  /** Milliseconds since the epoch at which `storeTrace` was called. */
  timestamp: number;
  /** Delivery attempts that failed so far, persisted with the trace. */
  attempts: number;
  metadata: BufferedTraceMetadata;
}

/**
 * What a backend keeps: the public record plus the fields the core needs.
 * `seq` orders traces stored in the same millisecond by one writer; `sizeBytes`
 * is the UTF-8 size of the JSON form, kept so status never re-measures.
 */
export interface StoredTrace extends BufferedTrace {
  seq: number;
  sizeBytes: number;
  /** Set while a replayer is delivering the trace; an expired lease may be reclaimed. */
  lease?: Lease | null;
}

/** Marks a trace in flight, so a tab that dies mid-delivery loses nothing. */
export interface Lease {
  /** The buffer instance delivering it. */
  owner: string;
  /** Milliseconds since the epoch after which another replayer may take it over. */
  expiresAt: number;
}

/** A record that a backend could not decode. It is reported, never thrown. */
export interface CorruptRecord {
  key: string;
  reason: string;
}

/** Order of age: timestamp, then per-writer sequence, then id (a stable tie-break). */
export function compareAge(a: Pick<StoredTrace, 'timestamp' | 'seq' | 'id'>, b: typeof a): number {
  return a.timestamp - b.timestamp || a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Serialises a trace part to JSON. JSON.stringify silently drops functions and
 * symbols; a tracer that buffers a function by mistake should hear about it, so
 * the replacer rejects them, as it rejects what JSON itself cannot hold.
 */
export function toJson(value: unknown, field: string): string {
  const path: string[] = [];
  try {
    const json = JSON.stringify(value, function (this: unknown, key: string, item: unknown) {
      if (typeof item === 'function' || typeof item === 'symbol') {
        path.push(key);
        throw new TypeError(`${typeof item} values cannot be stored`);
      }
      return item;
    });
    if (json === undefined) throw new TypeError('the value has no JSON form');
    return json;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const where = path.length > 0 ? ` at key "${path[0]}"` : '';
    throw new TraceBufferError('NOT_SERIALIZABLE', `Cannot buffer ${field}${where}: ${reason}.`, {
      cause: error,
      details: { field },
    });
  }
}

/** UTF-8 byte length without allocating an encoded copy. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Checks that a value read from storage has the shape of a stored trace. */
export function validateStoredTrace(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const record = value as Partial<Record<keyof StoredTrace, unknown>>;
  if (typeof record.id !== 'string' || record.id.length === 0) return 'missing id';
  if (typeof record.timestamp !== 'number' || !Number.isFinite(record.timestamp)) return 'invalid timestamp';
  if (typeof record.seq !== 'number' || !Number.isFinite(record.seq)) return 'invalid seq';
  if (!isPlainObject(record.traceData)) return 'traceData is not an object';
  if (!isPlainObject(record.config)) return 'config is not an object';
  if (record.inferencePipelineId !== null && typeof record.inferencePipelineId !== 'string') {
    return 'invalid inferencePipelineId';
  }
  if (typeof record.attempts !== 'number' || !(record.attempts >= 0)) return 'invalid attempts';
  if (typeof record.sizeBytes !== 'number' || !(record.sizeBytes >= 0)) return 'invalid sizeBytes';
  const metadata = record.metadata as Partial<BufferedTraceMetadata> | undefined;
  if (!isPlainObject(metadata) || typeof metadata.bufferVersion !== 'string') return 'invalid metadata';
  return null;
}

/** Strips the storage-only fields before a record is handed to users or `send`. */
export function toBufferedTrace(record: StoredTrace): BufferedTrace {
  return {
    id: record.id,
    traceData: record.traceData,
    config: record.config,
    inferencePipelineId: record.inferencePipelineId,
    timestamp: record.timestamp,
    attempts: record.attempts,
    metadata: record.metadata,
  };
}

/** `traceData.inferenceId` when present (Openlayer's row id), else the buffer id. */
export function traceIdOf(trace: Pick<BufferedTrace, 'id' | 'traceData'>): string {
  const inferenceId = trace.traceData['inferenceId'];
  return typeof inferenceId === 'string' && inferenceId.length > 0 ? inferenceId : trace.id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
