import { deadLetterBackendOption, deadLettersOption, type DeadLetterOptions } from './dead-letter-options.js';
import { TraceBufferOptionError } from './errors.js';
import type { StorageBackend } from './storage-backend.js';
import type { TraceBufferError } from './errors.js';
import type { BufferEvent } from './events.js';
import type { SendFunction } from './delivery.js';
import type { ReplayRate } from './replay-pace.js';
import { AUTO_REPLAY_DEFAULTS, type AutoReplayOptions } from './replay-scheduler.js';

export type { SendFunction };

export type StorageChoice = 'auto' | 'indexeddb' | 'opfs' | 'memory' | StorageBackend;

/** The options the core itself reads; `createTraceBuffer` adds those of the storage backends. */
export interface CoreOptions {
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
  /**
   * Most bytes kept: the sum of the traces' sizes (UTF-8 bytes of their JSON
   * forms, as `totalSizeBytes` counts them). Beyond it the oldest are evicted,
   * in the insert's own step, as for `maxBufferSize`. A whole number of 1 or
   * more, or `Infinity`. Default 50 MiB.
   */
  maxBufferBytes?: number;
  /**
   * Largest JSON form of one trace (traceData plus config), in UTF-8 bytes.
   * At most `maxBufferBytes`, since a larger trace could never be kept.
   * Default 1 MiB, or `maxBufferBytes` if that is smaller.
   */
  maxTraceBytes?: number;
  /** Delivers a batch of buffered traces during replay. Can also be given to `replayBufferedTraces`. */
  send?: SendFunction;
  /** Traces per `send` call during replay. Default 50. */
  replayBatchSize?: number;
  /**
   * Batches a replay sends at once, 1 to 16. Default 2: a send mostly waits on
   * the network, and with one at a time a drain waits for every round trip in
   * turn. If the replaying tab dies, the batches in flight may be delivered twice.
   */
  replayConcurrency?: number;
  /**
   * The most a replay sends per second, so a device back from a long time
   * offline drains at a steady pace instead of flooding the collector:
   * batches wait their turn (a batch larger than one second's allowance goes
   * alone). Applies to automatic replays and to replays by hand; close()
   * does not wait for it. Default: no limit.
   */
  replayRate?: ReplayRate;
  /**
   * Replay by itself: shortly after start-up, on `online`, and on a backoff
   * timer while traces remain. Default: on when `send` is given. `false` turns
   * it off; an object tunes the delays.
   */
  autoReplay?: boolean | AutoReplayOptions;
  /**
   * How long a replayer may hold a batch before another may take it over, in
   * ms. `send` is told to give up (through its `signal`) before then. Default 60,000.
   */
  leaseMs?: number;
  /**
   * Counted failed attempts after which a trace that only ever met retryable
   * failures is dropped (reason `exhausted`). Attempts while the browser knows
   * it is offline do not count. Default: no limit (the cap bounds storage).
   */
  maxAttempts?: number;
  /**
   * Oldest a trace may be, in ms since it was stored: older ones are never
   * sent and are dropped (reason `expired`) by the next store, status or
   * replay. Default: no limit, since a trace kept is not a trace lost; a
   * collector that refuses old data (or a privacy policy) is the reason to set it.
   */
  maxAgeMs?: number;
  /**
   * Asks the browser once (`navigator.storage.persist()`) to exempt the
   * origin's storage from eviction under storage pressure, which would
   * otherwise remove every buffered trace at once. The answer is in
   * `getBufferStatus().storage`. Pages only; elsewhere the status says
   * `unsupported`. Default false.
   */
  persist?: boolean;
  /**
   * Traces the collector refused for good (a 400 or 422 for them alone) leave
   * the replay queue but are kept, in a store of their own beside the
   * buffer's, capped by `maxCount` (default 100; the oldest go past it,
   * reason `dead-letter-evicted`). `false` drops them instead (reason `rejected`).
   */
  deadLetters?: boolean | DeadLetterOptions;
  /**
   * Beside a custom `storage` backend: where its dead letters go. Without it
   * they are kept in memory, and `status.deadLetterStorage` says 'memory'.
   */
  deadLetterBackend?: StorageBackend;
  /**
   * Traces whose JSON form is at least `thresholdBytes` (UTF-8) are stored
   * gzip-compressed (`CompressionStream`), and count against the byte cap and
   * `totalSizeBytes` at their compressed size. Where the runtime has no
   * `CompressionStream`, or compressing would not make a trace smaller, it is
   * stored as it is. `false` turns it off. Default `{ thresholdBytes: 4096 }`.
   */
  compression?: { thresholdBytes?: number } | boolean;
  /**
   * Registers the Background Sync tag `offline-trace-buffer:<name>` when
   * traces may be left behind (stored while offline, a replay that left
   * traces, the page going away), so a service worker that calls
   * `replayInServiceWorker` delivers them with no tab open. Needs a service
   * worker registration and Chromium; elsewhere `getBufferStatus().backgroundSync`
   * says why not and the tabs replay as before. Default true.
   */
  backgroundSync?: boolean;
  /** Written to each record's `metadata.createdBy`. Default `'offline-trace-buffer'`. */
  createdBy?: string;
  /** Called with every failure that was not thrown to a caller (storage, corrupt records, callbacks). */
  onError?: (error: TraceBufferError) => void;
  /** Called with every change (stored, delivered, evicted, dropped); same as `subscribe`. */
  onEvent?: (event: BufferEvent) => void;
  /** `publish` calls it when sending failed, before buffering (Openlayer's hook). A throw is reported, not raised. */
  onFlushFailure?: (traceData: Record<string, unknown>, config: Record<string, unknown>, error: unknown) => void;
}

export interface ResolvedOptions {
  name: string;
  storage: StorageChoice;
  maxBufferSize: number;
  maxBufferBytes: number;
  maxTraceBytes: number;
  send: SendFunction | undefined;
  replayBatchSize: number;
  replayConcurrency: number;
  replayRate: ReplayRate | null;
  autoReplay: Required<AutoReplayOptions> | null;
  leaseMs: number;
  maxAttempts: number;
  maxAgeMs: number;
  persist: boolean;
  /** The dead letters' cap, null when they are off. */
  deadLetters: number | null;
  deadLetterBackend: StorageBackend | undefined;
  /** Null when turned off. */
  compression: { thresholdBytes: number } | null;
  backgroundSync: boolean;
  createdBy: string;
  onError: ((error: TraceBufferError) => void) | undefined;
  onEvent: ((event: BufferEvent) => void) | undefined;
  onFlushFailure: CoreOptions['onFlushFailure'];
}

export const DEFAULT_NAME = 'openlayer';
export const DEFAULT_MAX_BUFFER_SIZE = 1000;
export const DEFAULT_MAX_BUFFER_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_TRACE_BYTES = 1024 * 1024;
export const DEFAULT_REPLAY_BATCH_SIZE = 50;
export const DEFAULT_REPLAY_CONCURRENCY = 2;
/** Bounds the batches (and memory) held at once; browsers queue past 6 requests per host anyway. */
export const MAX_REPLAY_CONCURRENCY = 16;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_LEASE_MS = 60_000;
/** Below about 4 KB gzip saves little (its header and a cold dictionary) for its cost per record. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 4096;
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const STORAGE_KINDS = ['auto', 'indexeddb', 'opfs', 'memory'];
const BACKEND_METHODS = ['insert', 'readOldest', 'readAll', 'remove', 'update', 'stats', 'clear', 'close'] as const;

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TraceBufferOptionError('options', options, 'an object of options, or nothing');
  }
  const given = options as Record<string, unknown>;
  const maxBufferBytes =
    given['maxBufferBytes'] === Infinity ? Infinity : count(given, 'maxBufferBytes', DEFAULT_MAX_BUFFER_BYTES, 1);
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
    maxBufferBytes,
    maxTraceBytes: maxTraceBytes(given, maxBufferBytes),
    send: optionalFunction<SendFunction>(given, 'send'),
    replayBatchSize: count(given, 'replayBatchSize', DEFAULT_REPLAY_BATCH_SIZE, 1),
    replayConcurrency: count(given, 'replayConcurrency', DEFAULT_REPLAY_CONCURRENCY, 1, MAX_REPLAY_CONCURRENCY),
    replayRate: replayRateOption(given['replayRate']),
    autoReplay: autoReplayOption(given['autoReplay'], given['send'] !== undefined),
    leaseMs: count(given, 'leaseMs', DEFAULT_LEASE_MS, 1),
    maxAttempts: given['maxAttempts'] === Infinity ? Infinity : count(given, 'maxAttempts', Infinity, 1),
    maxAgeMs: given['maxAgeMs'] === Infinity ? Infinity : count(given, 'maxAgeMs', Infinity, 1),
    persist: optionalBoolean(given, 'persist', false),
    deadLetters: deadLettersOption(given['deadLetters']),
    deadLetterBackend: deadLetterBackendOption(given['deadLetterBackend'], given['storage']),
    compression: compressionOption(given['compression']),
    backgroundSync: optionalBoolean(given, 'backgroundSync', true),
    createdBy: optionalString(
      given,
      'createdBy',
      'offline-trace-buffer',
      /^.{1,200}$/s,
      'a string of 1 to 200 characters',
    ),
    onError: optionalFunction(given, 'onError'),
    onEvent: optionalFunction(given, 'onEvent'),
    onFlushFailure: optionalFunction(given, 'onFlushFailure'),
  };
}

/**
 * A trace larger than the byte cap could only be stored by evicting everything,
 * itself included: refused at creation when asked for, and the default shrinks
 * to the cap, so such a trace is refused at store time with TRACE_TOO_LARGE.
 */
function maxTraceBytes(given: Record<string, unknown>, maxBufferBytes: number): number {
  const value = count(given, 'maxTraceBytes', Math.min(DEFAULT_MAX_TRACE_BYTES, maxBufferBytes), 1);
  if (value > maxBufferBytes) {
    throw new TraceBufferOptionError(
      'maxTraceBytes',
      value,
      `a whole number from 1 to maxBufferBytes (${maxBufferBytes})`,
    );
  }
  return value;
}

/** A whole number from `min` to `max`; `undefined` takes the default. Used for method options too. */
export function count(
  given: Record<string, unknown>,
  option: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = given[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const allowed =
      max === Number.MAX_SAFE_INTEGER ? `a whole number of ${min} or more` : `a whole number from ${min} to ${max}`;
    throw new TraceBufferOptionError(option, value, allowed);
  }
  return value;
}

function optionalBoolean(given: Record<string, unknown>, option: string, fallback: boolean): boolean {
  const value = given[option];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TraceBufferOptionError(option, value, 'true or false');
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
  if (typeof value === 'object' && value !== null) return backendObject('storage', value);
  throw new TraceBufferOptionError(
    'storage',
    value,
    `${STORAGE_KINDS.map((k) => `"${k}"`).join(', ')} or a backend object`,
  );
}

/** A custom backend: an object with a string `kind` and every method. */
export function backendObject(option: string, value: unknown): StorageBackend {
  if (typeof value === 'object' && value !== null) {
    const missing = BACKEND_METHODS.filter(
      (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
    );
    if (missing.length === 0 && typeof (value as { kind?: unknown }).kind === 'string') return value as StorageBackend;
    throw new TraceBufferOptionError(
      option,
      value,
      `a backend object with a string "kind" and the methods ${BACKEND_METHODS.join(', ')} (missing: ${missing.join(', ') || 'kind'})`,
    );
  }
  throw new TraceBufferOptionError(option, value, 'a backend object');
}

function autoReplayOption(value: unknown, hasSend: boolean): Required<AutoReplayOptions> | null {
  if (value === undefined) return hasSend ? { ...AUTO_REPLAY_DEFAULTS } : null;
  if (value === false) return null;
  if (value === true) {
    if (!hasSend) throw new TraceBufferOptionError('autoReplay', value, 'true only together with a "send" function');
    return { ...AUTO_REPLAY_DEFAULTS };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceBufferOptionError(
      'autoReplay',
      value,
      'true, false, or { startupDelayMs, initialDelayMs, maxDelayMs }',
    );
  }
  if (!hasSend) throw new TraceBufferOptionError('autoReplay', value, 'delays only together with a "send" function');
  const given = value as Record<string, unknown>;
  const resolved = {
    startupDelayMs: count(given, 'startupDelayMs', AUTO_REPLAY_DEFAULTS.startupDelayMs, 0),
    initialDelayMs: count(given, 'initialDelayMs', AUTO_REPLAY_DEFAULTS.initialDelayMs, 1),
    maxDelayMs: count(given, 'maxDelayMs', AUTO_REPLAY_DEFAULTS.maxDelayMs, 1),
  };
  if (resolved.maxDelayMs < resolved.initialDelayMs) {
    throw new TraceBufferOptionError(
      'autoReplay.maxDelayMs',
      resolved.maxDelayMs,
      `a number of ms no smaller than initialDelayMs (${resolved.initialDelayMs})`,
    );
  }
  return resolved;
}

const RATE_FIELDS = ['tracesPerSecond', 'bytesPerSecond'] as const;

function replayRateOption(value: unknown): ReplayRate | null {
  if (value === undefined) return null;
  const allowed = '{ tracesPerSecond, bytesPerSecond }, at least one of them, each a number above 0';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceBufferOptionError('replayRate', value, allowed);
  }
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !(RATE_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new TraceBufferOptionError(`replayRate.${unknown[0]}`, given[unknown[0]!], allowed);
  const rate: ReplayRate = {};
  for (const field of RATE_FIELDS) {
    const rateOf = given[field];
    if (rateOf === undefined) continue;
    if (typeof rateOf !== 'number' || !Number.isFinite(rateOf) || rateOf <= 0) {
      throw new TraceBufferOptionError(`replayRate.${field}`, rateOf, 'a finite number above 0');
    }
    rate[field] = rateOf;
  }
  if (Object.keys(rate).length === 0) throw new TraceBufferOptionError('replayRate', value, allowed);
  return rate;
}

function compressionOption(value: unknown): { thresholdBytes: number } | null {
  if (value === false) return null;
  if (value === undefined || value === true) return { thresholdBytes: DEFAULT_COMPRESSION_THRESHOLD_BYTES };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceBufferOptionError('compression', value, 'false, true, or { thresholdBytes }');
  }
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => key !== 'thresholdBytes');
  if (unknown.length > 0) throw new TraceBufferOptionError('compression', value, 'an object with only thresholdBytes');
  return {
    thresholdBytes: count(
      { 'compression.thresholdBytes': given['thresholdBytes'] },
      'compression.thresholdBytes',
      DEFAULT_COMPRESSION_THRESHOLD_BYTES,
      0,
    ),
  };
}
