import { TraceBufferOptionError } from './errors.js';
import type { StorageBackend } from '../backends/backend.js';
import type { BufferedTrace } from './record.js';
import type { TraceBufferError } from './errors.js';
import type { BufferEvent } from './events.js';

/** Delivers one batch. Resolve once the backend accepted it; reject if it did not. */
export type SendFunction = (traces: BufferedTrace[]) => Promise<unknown>;

export type StorageChoice = 'auto' | 'indexeddb' | 'opfs' | 'memory' | StorageBackend;

export interface TraceBufferOptions {
  /**
   * Namespaces the database (and the lock and channel names of multi-tab
   * coordination). Letters, digits, `.`, `_` and `-`, at most 64 characters.
   * Default `'openlayer'`.
   */
  name?: string;
  /**
   * Where traces are kept. `'auto'` (default) uses OPFS in a dedicated worker
   * that has sync access handles, else IndexedDB where it opens, else memory,
   * and the status says which and why. `'indexeddb'` and `'opfs'` never fall
   * back: if they cannot open, stores resolve `false` and `onError` says why.
   * A custom object implementing `StorageBackend` is used as is.
   */
  storage?: StorageChoice;
  /** Most traces kept; the oldest are evicted beyond it. `0` stores nothing. Default 1000. */
  maxBufferSize?: number;
  /** Largest JSON form of one trace (traceData plus config), in UTF-8 bytes. Default 1 MiB. */
  maxTraceBytes?: number;
  /** Delivers a batch of buffered traces during replay. Can also be given to `replayBufferedTraces`. */
  send?: SendFunction;
  /** Traces per `send` call during replay. Default 50. */
  replayBatchSize?: number;
  /**
   * IndexedDB transaction durability for writes: `'default'` (the browser's
   * choice), `'strict'` (flushed to disk before resolving) or `'relaxed'`.
   */
  durability?: IDBTransactionDurability;
  /** Written to each record's `metadata.createdBy`. Default `'offline-trace-buffer'`. */
  createdBy?: string;
  /** Called with every failure that was not thrown to a caller (storage, corrupt records, callbacks). */
  onError?: (error: TraceBufferError) => void;
  /** Called with every change (stored, delivered, evicted, dropped); same as `subscribe`. */
  onEvent?: (event: BufferEvent) => void;
}

export interface ResolvedOptions {
  name: string;
  storage: StorageChoice;
  maxBufferSize: number;
  maxTraceBytes: number;
  send: SendFunction | undefined;
  replayBatchSize: number;
  durability: IDBTransactionDurability;
  createdBy: string;
  onError: ((error: TraceBufferError) => void) | undefined;
  onEvent: ((event: BufferEvent) => void) | undefined;
}

export const DEFAULT_NAME = 'openlayer';
export const DEFAULT_MAX_BUFFER_SIZE = 1000;
export const DEFAULT_MAX_TRACE_BYTES = 1024 * 1024;
export const DEFAULT_REPLAY_BATCH_SIZE = 50;
export const DEFAULT_MAX_RETRIES = 3;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const STORAGE_KINDS = ['auto', 'indexeddb', 'opfs', 'memory'];
const BACKEND_METHODS = ['insert', 'readOldest', 'readAll', 'remove', 'update', 'stats', 'clear', 'close'] as const;

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TraceBufferOptionError('options', options, 'an object of options, or nothing');
  }
  const given = options as Record<string, unknown>;
  return {
    name: optionalString(
      given,
      'name',
      DEFAULT_NAME,
      NAME_PATTERN,
      'letters, digits, ".", "_" and "-", 1 to 64 of them',
    ),
    storage: storageOption(given['storage']),
    maxBufferSize: count(given, 'maxBufferSize', DEFAULT_MAX_BUFFER_SIZE, 0),
    maxTraceBytes: count(given, 'maxTraceBytes', DEFAULT_MAX_TRACE_BYTES, 1),
    send: optionalFunction<SendFunction>(given, 'send'),
    replayBatchSize: count(given, 'replayBatchSize', DEFAULT_REPLAY_BATCH_SIZE, 1),
    durability: durabilityOption(given['durability']),
    createdBy: optionalString(
      given,
      'createdBy',
      'offline-trace-buffer',
      /^.{1,200}$/s,
      'a string of 1 to 200 characters',
    ),
    onError: optionalFunction(given, 'onError'),
    onEvent: optionalFunction(given, 'onEvent'),
  };
}

/** A whole number at least `min`; `undefined` takes the default. Used for method options too. */
export function count(given: Record<string, unknown>, option: string, fallback: number, min: number): number {
  const value = given[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TraceBufferOptionError(option, value, `a whole number of ${min} or more`);
  }
  return value;
}

export function optionalFunction<T>(given: Record<string, unknown>, option: string): T | undefined {
  const value = given[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TraceBufferOptionError(option, value, 'a function');
  return value as T;
}

function optionalString(
  given: Record<string, unknown>,
  option: string,
  fallback: string,
  pattern: RegExp,
  allowed: string,
): string {
  const value = given[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !pattern.test(value)) throw new TraceBufferOptionError(option, value, allowed);
  return value;
}

function storageOption(value: unknown): StorageChoice {
  if (value === undefined) return 'auto';
  if (typeof value === 'string' && STORAGE_KINDS.includes(value)) return value as StorageChoice;
  if (typeof value === 'object' && value !== null) {
    const missing = BACKEND_METHODS.filter(
      (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
    );
    if (missing.length === 0 && typeof (value as { kind?: unknown }).kind === 'string') return value as StorageBackend;
    throw new TraceBufferOptionError(
      'storage',
      value,
      `a backend object with a string "kind" and the methods ${BACKEND_METHODS.join(', ')} (missing: ${missing.join(', ') || 'kind'})`,
    );
  }
  throw new TraceBufferOptionError(
    'storage',
    value,
    `${STORAGE_KINDS.map((k) => `"${k}"`).join(', ')} or a backend object`,
  );
}

function durabilityOption(value: unknown): IDBTransactionDurability {
  if (value === undefined) return 'default';
  if (value === 'default' || value === 'strict' || value === 'relaxed') return value;
  throw new TraceBufferOptionError('durability', value, '"default", "strict" or "relaxed"');
}
