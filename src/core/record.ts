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
 * What a backend keeps. The trace and its config are kept as the JSON text
 * `storeTrace` made of them, not as objects: storing copies a record on the
 * caller's thread (IndexedDB's structured clone), and copying one string costs
 * far less than copying the object graph and parsing it back first, which is
 * most of a burst's time in Firefox. They are parsed when a trace is read out.
 * `seq` orders traces stored in the same millisecond by one writer;
 * `sizeBytes` is the UTF-8 size of the JSON texts, kept so status never
 * re-measures; `traceId` is kept apart so events never parse a trace.
 */
export interface StoredTrace {
  id: string;
  traceId: string;
  traceJson: string;
  configJson: string;
  inferencePipelineId: string | null;
  timestamp: number;
  attempts: number;
  metadata: BufferedTraceMetadata;
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
 * they are refused, as is what JSON itself cannot hold (cycles, BigInt).
 *
 * They are looked for by a walk after JSON.stringify succeeded, not by a
 * replacer: a replacer takes engines off their fast path and made the
 * serialisation most of the time a caller's burst spends in `storeTrace`. (A
 * successful stringify also proves there is no cycle for the walk to follow.)
 */
export function toJson(value: unknown, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw notSerializable(field, error instanceof Error ? error.message : String(error), error);
  }
  if (json === undefined) throw notSerializable(field, 'the value has no JSON form');
  const found = findUnstorable(value);
  if (found) throw notSerializable(field, `${found.kind} values cannot be stored`, undefined, found.key);
  return json;
}

function notSerializable(field: string, reason: string, cause?: unknown, key?: string): TraceBufferError {
  const where = key === undefined ? '' : ` at key "${key}"`;
  return new TraceBufferError('NOT_SERIALIZABLE', `Cannot buffer ${field}${where}: ${reason}.`, {
    cause,
    details: { field },
  });
}

/**
 * The first function or symbol JSON.stringify would have dropped, with its
 * key. Only what stringify walks is walked: own enumerable string keys of
 * plain objects and arrays. An object with its own `toJSON` (a Date) chose its
 * JSON form itself and is not looked into.
 */
function findUnstorable(root: unknown): { kind: string; key: string } | null {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (typeof (node as { toJSON?: unknown }).toJSON === 'function') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'function' || typeof item === 'symbol') return { kind: typeof item, key: String(i) };
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
      continue;
    }
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      const item: unknown = (node as Record<string, unknown>)[key];
      if (typeof item === 'function' || typeof item === 'symbol') return { kind: typeof item, key };
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return null;
}

// Every character below 0x80 is one UTF-8 byte.
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** UTF-8 byte length without allocating an encoded copy. */
export function utf8Length(text: string): number {
  // Most JSON is plain ASCII, and the engine's regex scan beats a loop in script.
  if (ASCII_ONLY.test(text)) return text.length;
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
  if (record.traceJson !== undefined) {
    if (typeof record.traceJson !== 'string') return { problem: 'traceJson is not a string' };
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
 * storage-only fields gone. Throws a CORRUPT_RECORD error if a text is not
 * JSON (only a hand-edited or damaged store holds one).
 */
export function toBufferedTrace(record: StoredTrace): BufferedTrace {
  return {
    id: record.id,
    traceData: parseObject(record, 'traceJson'),
    config: parseObject(record, 'configJson'),
    inferencePipelineId: record.inferencePipelineId,
    timestamp: record.timestamp,
    attempts: record.attempts,
    metadata: record.metadata,
  };
}

/** Reads records out; those whose JSON text does not parse are set apart, with why. */
export function toBufferedTraces(records: readonly StoredTrace[]): {
  traces: { record: StoredTrace; trace: BufferedTrace }[];
  corrupt: CorruptRecord[];
} {
  const traces: { record: StoredTrace; trace: BufferedTrace }[] = [];
  const corrupt: CorruptRecord[] = [];
  for (const record of records) {
    try {
      traces.push({ record, trace: toBufferedTrace(record) });
    } catch (error) {
      if (!(error instanceof TraceBufferError) || error.code !== 'CORRUPT_RECORD') throw error;
      corrupt.push({ key: record.id, reason: error.message });
    }
  }
  return { traces, corrupt };
}

function parseObject(record: StoredTrace, field: 'traceJson' | 'configJson'): { [key: string]: JsonValue } {
  let value: unknown;
  try {
    value = JSON.parse(record[field]);
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
