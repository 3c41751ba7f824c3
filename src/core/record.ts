import { TraceBufferError } from './errors.js';
import type { TraceRef } from './events.js';

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
 * What a backend keeps. The trace and its config are kept as the JSON text
 * `storeTrace` made of them, not as objects: storing copies a record on the
 * caller's thread (IndexedDB's structured clone), and copying one string costs
 * far less than copying the object graph and parsing it back first, which is
 * most of a burst's time in Firefox. They are parsed when a trace is read out.
 * `seq` orders traces stored in the same millisecond by one writer;
 * `sizeBytes` is what the record's texts take in storage, kept so status and
 * the caps never re-measure; `traceId` is kept apart so events never parse a trace.
 */
export interface StoredTrace {
  id: string;
  traceId: string;
  /** The trace's JSON text; absent when the record holds it compressed in `traceGzip`. */
  traceJson?: string;
  /**
   * The trace's JSON text gzip-compressed (see compressed-body.ts): set instead
   * of `traceJson` on records at least `compression.thresholdBytes` large.
   */
  traceGzip?: Uint8Array;
  configJson: string;
  inferencePipelineId: string | null;
  timestamp: number;
  attempts: number;
  metadata: BufferedTraceMetadata;
  seq: number;
  /**
   * Bytes stored: the UTF-8 size of the JSON texts, or for a compressed
   * record the size of `traceGzip` plus that of `configJson`. The byte cap and
   * `totalSizeBytes` count this.
   */
  sizeBytes: number;
  /** On compressed records only: the UTF-8 size of the JSON texts before compression. */
  originalBytes?: number;
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
 * Checks that a value read from storage has the shape of a stored trace and
 * returns it as one, or says what is wrong. Records written by 0.1.0 kept the
 * trace and config as objects: they are converted, not refused.
 */
export function decodeStoredTrace(value: unknown): StoredTrace | { problem: string } {
  if (typeof value !== 'object' || value === null) return { problem: 'not an object' };
  const record = value as Partial<Record<keyof StoredTrace | 'traceData' | 'config', unknown>>;
  if (typeof record.id !== 'string' || record.id.length === 0) return { problem: 'missing id' };
  if (typeof record.timestamp !== 'number' || !Number.isFinite(record.timestamp)) {
    return { problem: 'invalid timestamp' };
  }
  if (typeof record.seq !== 'number' || !Number.isFinite(record.seq)) return { problem: 'invalid seq' };
  if (record.inferencePipelineId !== null && typeof record.inferencePipelineId !== 'string') {
    return { problem: 'invalid inferencePipelineId' };
  }
  if (typeof record.attempts !== 'number' || !(record.attempts >= 0)) return { problem: 'invalid attempts' };
  if (typeof record.sizeBytes !== 'number' || !(record.sizeBytes >= 0)) return { problem: 'invalid sizeBytes' };
  const metadata = record.metadata as Partial<BufferedTraceMetadata> | undefined;
  if (!isPlainObject(metadata) || typeof metadata.bufferVersion !== 'string') return { problem: 'invalid metadata' };
  if (record.traceGzip !== undefined) {
    if (Object.prototype.toString.call(record.traceGzip) !== '[object Uint8Array]') {
      return { problem: 'traceGzip is not a Uint8Array' };
    }
    if (record.traceJson !== undefined) return { problem: 'both traceJson and traceGzip are set' };
    if (typeof record.originalBytes !== 'number' || !(record.originalBytes >= 0)) {
      return { problem: 'invalid originalBytes' };
    }
  }
  if (record.traceJson !== undefined || record.traceGzip !== undefined) {
    if (record.traceGzip === undefined && typeof record.traceJson !== 'string') {
      return { problem: 'traceJson is not a string' };
    }
    if (typeof record.configJson !== 'string') return { problem: 'configJson is not a string' };
    if (typeof record.traceId !== 'string' || record.traceId.length === 0) return { problem: 'missing traceId' };
    return value as StoredTrace;
  }
  // The 0.1.0 layout.
  if (!isPlainObject(record.traceData)) return { problem: 'traceData is not an object' };
  if (!isPlainObject(record.config)) return { problem: 'config is not an object' };
  const { traceData, config, ...rest } = record as StoredTrace & { traceData: TraceData; config: TraceConfig };
  return {
    ...rest,
    traceId: traceIdOf({ id: rest.id, traceData }),
    traceJson: JSON.stringify(traceData),
    configJson: JSON.stringify(config),
  };
}

/**
 * A stored record as users and `send` see it: its JSON texts parsed, the
 * storage-only fields gone. `traceJson` is the trace's text, decompressed
 * first for a compressed record (see `readTraces`). Throws a CORRUPT_RECORD
 * error if a text is not JSON (only a hand-edited or damaged store holds one).
 */
export function toBufferedTrace(record: StoredTrace, traceJson = record.traceJson): BufferedTrace {
  return {
    id: record.id,
    traceData: parseObject(traceJson, 'traceJson'),
    config: parseObject(record.configJson, 'configJson'),
    inferencePipelineId: record.inferencePipelineId,
    timestamp: record.timestamp,
    attempts: record.attempts,
    metadata: record.metadata,
  };
}

function parseObject(text: string | undefined, field: 'traceJson' | 'configJson'): { [key: string]: JsonValue } {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (error) {
    throw new TraceBufferError('CORRUPT_RECORD', `${field} is not valid JSON (${String(error)})`, { cause: error });
  }
  if (!isPlainObject(value)) throw new TraceBufferError('CORRUPT_RECORD', `${field} is not a JSON object`);
  return value as { [key: string]: JsonValue };
}

/** `traceData.inferenceId` when present (Openlayer's row id), else the buffer id. */
export function traceIdOf(trace: { id: string; traceData: Record<string, unknown> }): string {
  const inferenceId = trace.traceData['inferenceId'];
  return typeof inferenceId === 'string' && inferenceId.length > 0 ? inferenceId : trace.id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What events and results name a trace by. */
export function refOf(record: Pick<StoredTrace, 'id' | 'traceId'>): TraceRef {
  return { id: record.id, traceId: record.traceId };
}
