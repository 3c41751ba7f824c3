import type { DeadLetter } from './dead-letters.js';
import type { SendFunction } from './delivery.js';
import type { BufferListener, DropReason } from './events.js';
import type { BufferedTrace, TraceConfig, TraceData } from './record.js';
import type { StorageStatus } from './storage-standing.js';
import type { BackgroundSyncStatus } from './sync-request.js';

export type { PersistRequest, StorageStatus } from './storage-standing.js';
export type { DeadLetter, DeadLetterInfo } from './dead-letters.js';
export type { BackgroundSyncStatus } from './sync-request.js';

/**
 * What users call: the buffer's public shape, with Openlayer's names and
 * shapes (`storeTrace`, `getBufferedTraces`, `removeTrace`, `getBufferStatus`,
 * `clearBuffer`, `replayBufferedTraces` and its callbacks) and our additions.
 */

export interface FailedTrace {
  /** `traceData.inferenceId` when present, else the buffer id. */
  traceId: string;
  /** The buffer id, for `removeTrace`. */
  id: string;
  /** Why the last attempt failed. */
  error: string;
  /** Failed attempts persisted with the trace, this replay's included. */
  attempts: number;
  /** False when the collector refused the trace for good (then it became a dead letter, or with `deadLetters: false` was dropped with reason `rejected`). */
  retryable: boolean;
  /** Set when the answer said nothing about the trace (401, 404, network, ...): kept, attempt not counted. */
  blocked?: true;
}

export interface ReplayResult {
  totalTraces: number;
  successCount: number;
  failureCount: number;
  failedTraces: FailedTrace[];
  /**
   * Set when this replay did not run: another tab or worker of the origin is
   * replaying, or `pause()` was called.
   */
  skipped?: 'replaying-elsewhere' | 'paused';
}

export interface ReplayOptions {
  /** Attempts per batch in this replay; `0` still attempts once (openlayer fix 5). Default 3. */
  maxRetries?: number;
  /** Traces per `send` call. Default: the buffer's `replayBatchSize`. */
  batchSize?: number;
  /** Overrides the buffer's `send` for this replay. */
  send?: SendFunction;
  /**
   * Openlayer's shapes, `(traceData, config)` and `(traceData, config, error)`,
   * so its callbacks work unchanged; the whole `BufferedTrace` (id, attempts)
   * comes last.
   */
  onReplaySuccess?: (
    traceData: BufferedTrace['traceData'],
    config: BufferedTrace['config'],
    trace: BufferedTrace,
  ) => void;
  onReplayFailure?: (
    traceData: BufferedTrace['traceData'],
    config: BufferedTrace['config'],
    error: unknown,
    trace: BufferedTrace,
  ) => void;
}

/** What `publish` did with the trace. */
export type PublishOutcome = 'delivered' | 'buffered' | 'dead-lettered' | 'dropped';

/** Option `compression`: whether stores are compressed here, and what this instance's compressed stores weighed. */
export interface CompressionStatus {
  /** False when `compression: false`, or when the runtime has no `CompressionStream`. */
  enabled: boolean;
  thresholdBytes: number | null;
  /** Traces this instance stored compressed: their UTF-8 JSON bytes before, and the bytes stored. */
  compressed: { traces: number; originalBytes: number; storedBytes: number };
}

export interface BufferStatus {
  /** The buffer's name. */
  name: string;
  /** The backend in use: 'indexeddb', 'memory', or a custom backend's kind. */
  backend: string;
  /** Why 'auto' did not get the persistent backend it wanted, else null. */
  fallbackReason: string | null;
  /** Whether traces survive a reload (false for memory). */
  persistent: boolean;
  totalTraces: number;
  maxBufferSize: number;
  /** The byte cap on `totalSizeBytes` (`Infinity` when none). */
  maxBufferBytes: number;
  /**
   * Bytes the buffered traces take in storage: the UTF-8 size of their JSON
   * forms, compressed ones at their compressed size (what a byte cap counts).
   * Their size before compression is in `compression.compressed` for this
   * instance's stores.
   */
  totalSizeBytes: number;
  /**
   * When the oldest and the newest buffered trace were stored (ms since the
   * epoch), or null when the buffer is empty. Timestamps, not traces: the names
   * are Openlayer's.
   */
  oldestTrace: number | null;
  newestTrace: number | null;
  /** Stores accepted by `storeTrace` but not yet committed. */
  pendingWrites: number;
  /** Records found unreadable so far (they stay until removed or cleared). */
  corruptRecords: number;
  /** Traces stored and delivered by this instance since it was created. */
  stored: number;
  delivered: number;
  /** Dead letters kept (traces refused for good), in every tab's store of this name. */
  deadLetters: number;
  /**
   * Where dead letters are kept: the buffer's own kind ('indexeddb', 'opfs',
   * 'memory'), a custom `deadLetterBackend`'s kind, 'memory' beside a custom
   * `storage` without one; null when `deadLetters: false` or before storage opened.
   */
  deadLetterStorage: string | null;
  /** Traces this instance dropped, by reason. */
  dropped: Record<DropReason, number>;
  lastError: { code: string; message: string; at: number } | null;
  lastReplay: { at: number; totalTraces: number; successCount: number; failureCount: number; skipped: boolean } | null;
  /** Cross-tab coordination: Web Locks (one replayer, claims) and BroadcastChannel (notifications). */
  coordination: { locks: boolean; broadcast: boolean };
  /** Whether replay runs by itself, and when the next timed replay is due (ms since the epoch). */
  autoReplay: boolean;
  nextReplayAt: number | null;
  /** Why replay does not run by itself here although `send` is given (Cloudflare Workers, Vercel's edge), else null. */
  manualReplayReason: string | null;
  /**
   * The origin's storage as the browser reports it (`navigator.storage`):
   * usage and quota of the whole origin, whether it is persisted, and what
   * `persist: true` got. Where it cannot be read, `supported` is false and
   * `reason` says why.
   */
  storage: StorageStatus;
  compression: CompressionStatus;
  /**
   * Whether a service worker that calls `replayInServiceWorker` can be woken
   * by Background Sync from here (Chromium with a registration); where not,
   * `reason` says why and the tabs replay as before.
   */
  backgroundSync: BackgroundSyncStatus;
  /**
   * Set while delivery is paused by an answer that says nothing about the
   * traces (401, 403, 404, 407, 409, 410, 421, 3xx, a network or CORS
   * failure): its status (absent for the network), the message, since when.
   * Cleared by the next delivery.
   */
  blocked: { status?: number; reason: string; since: number } | null;
  /** `pause()` was called and `resume()` not yet: nothing is sent, stores still buffer. */
  paused: boolean;
  /** `navigator.onLine` as last known: false means offline for sure, true only maybe online. */
  online: boolean;
  closed: boolean;
}

export interface TraceBuffer {
  /**
   * Buffers one trace. Resolves `true` once it is committed to storage, `false`
   * if it was not kept (then `onError`/`onEvent` say why). Never rejects, as
   * Openlayer's `store_trace` never raises: data that has no JSON form or is
   * too large resolves `false`, `onError` hears `NOT_SERIALIZABLE` or
   * `TRACE_TOO_LARGE`, and a `dropped` event has reason `invalid`.
   */
  storeTrace(traceData: TraceData, config?: TraceConfig, inferencePipelineId?: string | null): Promise<boolean>;
  /**
   * Sends the trace now and buffers it if that fails (Openlayer's tracer hook):
   * `onFlushFailure(traceData, config, error)` is called first. Resolves with
   * what happened; a trace the collector refused for good (a per-row verdict)
   * becomes a dead letter (`'dead-lettered'`), or is dropped (reason `rejected`) with `deadLetters: false`.
   * Bad data is refused as `storeTrace` refuses it, sent nowhere: `'dropped'` (reason `invalid`).
   */
  publish(traceData: TraceData, config?: TraceConfig, inferencePipelineId?: string | null): Promise<PublishOutcome>;
  /** Every buffered trace, oldest first. Unreadable records are skipped and reported. */
  getBufferedTraces(): Promise<BufferedTrace[]>;
  /** Removes one trace by id; `true` if it was there. */
  removeTrace(id: string): Promise<boolean>;
  getBufferStatus(): Promise<BufferStatus>;
  /** Removes every trace (unreadable ones too); resolves with how many were removed. */
  clearBuffer(): Promise<number>;
  /** Traces refused for good, oldest first, each with `deadLetter: { status?, message, at }`. */
  getDeadLetters(): Promise<DeadLetter[]>;
  /**
   * Moves dead letters (all, or those whose ids are given) back into the
   * buffer with no attempts counted, to be replayed; resolves with how many.
   */
  retryDeadLetters(ids?: readonly string[]): Promise<number>;
  /** Removes every dead letter (`clearBuffer` leaves them); resolves with how many. */
  clearDeadLetters(): Promise<number>;
  /** Sends buffered traces oldest first, removing each batch only once `send` resolved. */
  replayBufferedTraces(options?: ReplayOptions): Promise<ReplayResult>;
  /** Tells the buffer the network is back (workers get no `online` event in Chromium). */
  notifyOnline(): void;
  /** Stops sending (replay and publish's send); stores still buffer. `status.paused` says so. */
  pause(): void;
  /**
   * Ends a `pause()` and retries delivery at once, also when it was blocked by
   * an answer such as 401 (call it after the user logged in again).
   */
  resume(): void;
  /** Listens to changes in this buffer and, over BroadcastChannel, in every tab and worker of the origin. */
  subscribe(listener: BufferListener): () => void;
  /** Resolves once every store issued so far has settled. */
  flush(): Promise<void>;
  /**
   * Commits pending stores, waits for a running replay, and releases storage.
   * It sends nothing itself: to drain before a server exits, call
   * `await replayBufferedTraces()` first, then `close()`.
   */
  close(): Promise<void>;
}

/** Options of `deleteTraceBuffer`. */
export interface DeleteTraceBufferOptions {
  /**
   * How long to wait for another context to let go of a store (an IndexedDB
   * connection that does not close on `versionchange`, an OPFS handle held
   * outside the buffer's lock) before rejecting with `DELETE_BLOCKED`. Default 5000.
   */
  blockedTimeoutMs?: number;
}

/** A store `deleteTraceBuffer` removed. */
export interface DeletedStore {
  kind: 'indexeddb' | 'opfs' | 'memory';
  /** The IndexedDB database name, the OPFS folder path, or the memory buffer's name. */
  store: string;
}

/** What `deleteTraceBuffer` removed: every store of the name that existed (none if it held nothing). */
export interface DeletedTraceBuffer {
  name: string;
  removed: DeletedStore[];
}
