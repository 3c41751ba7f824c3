import type { TraceBufferError } from './errors.js';

/** Why a trace left the buffer without being delivered. */
export type DropReason =
  /** Evicted, oldest first, to keep `maxBufferSize`. */
  | 'evicted'
  /** `maxBufferSize` is 0: the buffer keeps nothing. */
  | 'disabled'
  /** The origin is out of storage quota even after evicting to make room. */
  | 'quota'
  /** The storage backend failed or is unavailable. */
  | 'storage'
  /** `storeTrace` was called after `close()`. */
  | 'closed';

export interface TraceRef {
  /** The buffer id (a UUID). */
  id: string;
  /** `traceData.inferenceId` when present, else the buffer id. */
  traceId: string;
}

/** A change to the buffer, as `subscribe` listeners and `onEvent` receive it. */
export type BufferEvent =
  | { type: 'stored'; traces: TraceRef[] }
  | { type: 'delivered'; traces: TraceRef[] }
  | { type: 'removed'; ids: string[] }
  | { type: 'cleared'; count: number }
  | { type: 'dropped'; reason: DropReason; traces: TraceRef[]; error?: TraceBufferError };

export type BufferListener = (event: BufferEvent) => void;
