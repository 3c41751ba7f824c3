import type { TraceBufferError } from './errors.js';

/** Why a trace left the buffer without being delivered. */
export type DropReason =
  /** Evicted, oldest first, to keep `maxBufferSize` and `maxBufferBytes`. */
  | 'evicted'
  /** `maxBufferSize` is 0: the buffer keeps nothing. */
  | 'disabled'
  /**
   * Out of storage quota: old traces evicted to make room, or new traces the
   * origin had no room for even after that (or once evicting had freed nothing).
   */
  | 'quota'
  /** The storage backend failed or is unavailable. */
  | 'storage'
  /**
   * Refused before it was stored: no JSON form (`NOT_SERIALIZABLE`) or over
   * `maxTraceBytes` (`TRACE_TOO_LARGE`); the error says which.
   */
  | 'invalid'
  /** `storeTrace` was called after `close()`. */
  | 'closed'
  /** The collector refused the trace for good and dead letters are off (`deadLetters: false`). */
  | 'rejected'
  /** The oldest dead letter, removed to keep `deadLetters.maxCount`. */
  | 'dead-letter-evicted'
  /** Retryable failures reached `maxAttempts`. */
  | 'exhausted'
  /** Older than `maxAgeMs`: never sent, dropped by the next store, status or replay. */
  | 'expired';

export interface TraceRef {
  /** The buffer id (a UUID). */
  id: string;
  /** `traceData.inferenceId` when present, else the buffer id. */
  traceId: string;
  /** When it was stored (given for evictions, so their order can be checked). */
  timestamp?: number;
}

/** The error of a `dropped` event: a TraceBufferError here, its plain fields when it came from another tab. */
export type DropError = Pick<TraceBufferError, 'code' | 'message' | 'name'>;

/**
 * A change to the buffer, as `subscribe` listeners and `onEvent` receive it.
 * `remote` is true when another tab or worker of the origin made the change
 * (it arrived over BroadcastChannel).
 */
export type BufferEvent = { remote?: boolean } & (
  | { type: 'stored'; traces: TraceRef[] }
  | { type: 'delivered'; traces: TraceRef[] }
  | { type: 'removed'; ids: string[] }
  | { type: 'cleared'; count: number }
  /**
   * `deleteTraceBuffer` removed the name's storage (in this or another
   * context): the buffer goes on, empty. How many traces went is not read
   * (deleting a database does not count it), hence `count: null`.
   */
  | { type: 'cleared'; count: null; deleted: true }
  | { type: 'dropped'; reason: DropReason; traces: TraceRef[]; error?: DropError }
  /** Refused for good: out of the replay queue, kept as dead letters (the first one's status and message). */
  | { type: 'dead-lettered'; traces: TraceRef[]; status?: number; message: string; at: number }
);

export type BufferListener = (event: BufferEvent) => void;
