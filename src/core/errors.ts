/**
 * Every error this library creates carries a string `code`. Check codes with
 * `isTraceBufferError`, not `instanceof`: errors lose their prototype when they
 * cross a `postMessage` boundary (a worker bridge), but keep plain fields.
 */
export type TraceBufferErrorCode =
  /** An option passed to `createTraceBuffer` or a method is invalid. */
  | 'INVALID_OPTION'
  /** The trace cannot be stored as JSON (cycle, BigInt, function, symbol). */
  | 'NOT_SERIALIZABLE'
  /** The trace's JSON form is larger than `maxTraceBytes`. */
  | 'TRACE_TOO_LARGE'
  /** The storage backend cannot be opened (private mode, blocked upgrade, missing API). */
  | 'STORAGE_UNAVAILABLE'
  /** The browser refused a write because the origin is out of quota. */
  | 'QUOTA_EXCEEDED'
  /** Any other storage failure (aborted transaction, I/O error). */
  | 'STORAGE_FAILED'
  /** A stored record does not have the shape of a buffered trace. */
  | 'CORRUPT_RECORD'
  /** Compressing a trace failed (`details.id`); it was stored uncompressed, nothing was lost. */
  | 'COMPRESSION_FAILED'
  /** `send` failed while delivering a batch. */
  | 'SEND_FAILED'
  /**
   * Delivery is paused: the collector's answer (401, 403, 404, 3xx, a network
   * or CORS failure, ...) says nothing about the traces, which stay buffered.
   * Reported once per block; `details` has `status` when there was one.
   */
  | 'SEND_BLOCKED'
  /** Change notifications to other tabs and workers (BroadcastChannel) could not be opened or posted. */
  | 'BROADCAST_FAILED'
  /** `navigator.storage.persist()` failed (asked for by `persist: true`); a refusal is not an error. */
  | 'PERSIST_FAILED'
  /** The browser refused to register the Background Sync tag; the tabs' replay goes on. */
  | 'BACKGROUND_SYNC_FAILED'
  /** A user callback (`onError`, `onReplaySuccess`, ...) threw. */
  | 'CALLBACK_FAILED'
  /**
   * `deleteTraceBuffer` could not remove a store because another context kept
   * it open past `blockedTimeoutMs` (`details.store` names it). IndexedDB
   * deletes it once that connection closes.
   */
  | 'DELETE_BLOCKED'
  /** The buffer was used after `close()`. */
  | 'CLOSED'
  /** A server process ran out of work with traces still buffered (`details.count` of them). */
  | 'UNSENT_AT_EXIT';

/** Marks errors of this library even when the prototype chain is lost (a worker bridge). */
export const ERROR_SOURCE = 'offline-trace-buffer';

export interface TraceBufferErrorFields {
  readonly code: TraceBufferErrorCode;
  /** Extra facts about the failure (the option name, the record key, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class TraceBufferError extends Error implements TraceBufferErrorFields {
  readonly code: TraceBufferErrorCode;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Marks errors of this library even when the prototype chain is lost. */
  readonly source = ERROR_SOURCE;

  constructor(
    code: TraceBufferErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TraceBufferError';
    this.code = code;
    if (options.details) this.details = options.details;
  }
}

/**
 * Bad options are programming errors, so they are thrown at once as `TypeError`s
 * (what users of the Openlayer port expect), with the same `code` field.
 */
export class TraceBufferOptionError extends TypeError implements TraceBufferErrorFields {
  readonly code = 'INVALID_OPTION' as const;
  readonly details: Readonly<Record<string, unknown>>;
  readonly source = ERROR_SOURCE;

  constructor(option: string, value: unknown, allowed: string) {
    super(`Invalid option "${option}": got ${describe(value)}; allowed: ${allowed}.`);
    this.name = 'TraceBufferOptionError';
    this.details = { option, allowed };
  }
}

export function isTraceBufferError(
  value: unknown,
  code?: TraceBufferErrorCode,
): value is Error & TraceBufferErrorFields {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { source?: unknown; code?: unknown };
  if (candidate.source !== ERROR_SOURCE || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}

/** The `name` of a thrown DOMException or error, if it has one: how platform failures are told apart. */
export function errorName(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** `Name: message` for an error, its text for anything else: what our messages quote. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Maps a DOMException (or anything thrown by a storage API) onto our codes. */
export function storageError(error: unknown, action: string): TraceBufferError {
  if (isTraceBufferError(error) && error instanceof TraceBufferError) return error;
  const reason = describeError(error);
  if (errorName(error) === 'QuotaExceededError') {
    return new TraceBufferError('QUOTA_EXCEEDED', `Storage quota exceeded while ${action} (${reason}).`, {
      cause: error,
    });
  }
  return new TraceBufferError('STORAGE_FAILED', `Storage failed while ${action} (${reason}).`, { cause: error });
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'symbol') return value.toString();
  return `${value as number | boolean | undefined}`;
}
