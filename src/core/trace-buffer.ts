import type { StorageBackend } from './storage-backend.js';
import type { BackendChoice, Channel, CorePlatform } from './platform.js';
import { classifyFailure, deliveryError, type SendResult } from './delivery.js';
import { storageError, TraceBufferError, TraceBufferOptionError } from './errors.js';
import type { BufferEvent, BufferListener, DropReason, TraceRef } from './events.js';
import { count, DEFAULT_MAX_RETRIES, optionalFunction, type ResolvedOptions } from './options.js';
import {
  BUFFER_VERSION,
  toBufferedTrace,
  toBufferedTraces,
  traceIdOf,
  toJson,
  utf8Length,
  type BufferedTrace,
  type CorruptRecord,
  type StoredTrace,
  type TraceConfig,
  type TraceData,
} from './record.js';
import { refOf, runReplayPass, type PassOutcome, type ReplayResult, type SendFunction } from './replay.js';
import { ReplayScheduler } from './replay-scheduler.js';
import { withBookkeepingUnderQuota } from './bookkeeping-under-quota.js';

export type { FailedTrace, ReplayResult, SendContext, SendFunction } from './replay.js';
export type { BackendChoice, CorePlatform } from './platform.js';

export interface ReplayOptions {
  /** Attempts per batch in this replay; `0` still attempts once (openlayer fix 5). Default 3. */
  maxRetries?: number;
  /** Traces per `send` call. Default: the buffer's `replayBatchSize`. */
  batchSize?: number;
  /** Overrides the buffer's `send` for this replay. */
  send?: SendFunction;
  onReplaySuccess?: (trace: BufferedTrace) => void;
  onReplayFailure?: (trace: BufferedTrace, error: unknown) => void;
}

/** What `publish` did with the trace. */
export type PublishOutcome = 'delivered' | 'buffered' | 'dropped';

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
  /** UTF-8 bytes of the buffered traces' JSON forms. */
  totalSizeBytes: number;
  /** Timestamp (ms) of the oldest and newest buffered trace, or null. */
  oldestTrace: number | null;
  newestTrace: number | null;
  /** Stores accepted by `storeTrace` but not yet committed. */
  pendingWrites: number;
  /** Records found unreadable so far (they stay until removed or cleared). */
  corruptRecords: number;
  /** Traces stored and delivered by this instance since it was created. */
  stored: number;
  delivered: number;
  /** Traces this instance dropped, by reason. */
  dropped: Record<DropReason, number>;
  lastError: { code: string; message: string; at: number } | null;
  lastReplay: { at: number; totalTraces: number; successCount: number; failureCount: number; skipped: boolean } | null;
  /** Cross-tab coordination: Web Locks (one replayer, claims) and BroadcastChannel (notifications). */
  coordination: { locks: boolean; broadcast: boolean };
  /** Whether replay runs by itself, and when the next timed replay is due (ms since the epoch). */
  autoReplay: boolean;
  nextReplayAt: number | null;
  /** `navigator.onLine` as last known: false means offline for sure, true only maybe online. */
  online: boolean;
  closed: boolean;
}

export interface TraceBuffer {
  /**
   * Buffers one trace. Resolves `true` once it is committed to storage, `false`
   * if it was not kept (then `onError`/`onEvent` say why). Rejects only for bad
   * input: data that has no JSON form or is too large (a `TraceBufferError`).
   */
  storeTrace(traceData: TraceData, config?: TraceConfig, inferencePipelineId?: string | null): Promise<boolean>;
  /**
   * Sends the trace now and buffers it if that fails (Openlayer's tracer hook):
   * `onFlushFailure(traceData, config, error)` is called first. Resolves with
   * what happened; a trace the collector refused for good is dropped (reason `rejected`).
   */
  publish(traceData: TraceData, config?: TraceConfig, inferencePipelineId?: string | null): Promise<PublishOutcome>;
  /** Every buffered trace, oldest first. Unreadable records are skipped and reported. */
  getBufferedTraces(): Promise<BufferedTrace[]>;
  /** Removes one trace by id; `true` if it was there. */
  removeTrace(id: string): Promise<boolean>;
  getBufferStatus(): Promise<BufferStatus>;
  /** Removes every trace (unreadable ones too); resolves with how many were removed. */
  clearBuffer(): Promise<number>;
  /** Sends buffered traces oldest first, removing each batch only once `send` resolved. */
  replayBufferedTraces(options?: ReplayOptions): Promise<ReplayResult>;
  /** Tells the buffer the network is back (workers get no `online` event in Chromium). */
  notifyOnline(): void;
  /** Listens to changes in this buffer and, over BroadcastChannel, in every tab and worker of the origin. */
  subscribe(listener: BufferListener): () => void;
  /** Resolves once every store issued so far has settled. */
  flush(): Promise<void>;
  /** Commits pending stores, waits for a running replay, and releases storage. */
  close(): Promise<void>;
}

const QUOTA_ADVICE =
  'To make room: free disk space, remove other data of this origin, or keep fewer or smaller traces (maxBufferSize, maxTraceBytes).';

/** After a failed open, calls fail fast with its error for this long, doubling per failure up to the max. */
const OPEN_RETRY_FIRST_MS = 5_000;
const OPEN_RETRY_MAX_MS = 60_000;

/** Most stores committed in one transaction; bounds the memory a huge burst holds. */
const MAX_GROUP_COMMIT = 2_000;

interface PendingStore {
  record: StoredTrace;
  resolve: (stored: boolean) => void;
}

/**
 * How long events wait before they are posted to other tabs and workers, so a
 * run of stores costs one message instead of one each: a post per store was
 * 15% of a sequential store's time in both engines.
 */
const BROADCAST_COALESCE_MS = 20;

/** What goes over the BroadcastChannel (`event` alone is how 0.1.0 posted). */
interface ChannelMessage {
  from: string;
  events?: BufferEvent[];
  event?: BufferEvent;
}

export function createBufferCore(options: ResolvedOptions, platform: CorePlatform): TraceBuffer {
  const instanceId = platform.generateId();
  const lockPrefix = `offline-trace-buffer:${options.name}`;
  const withLock = platform.withLock ?? (<T>(_name: string, fn: () => Promise<T>) => fn());
  const locksAvailable = platform.locksAvailable ?? false;
  const isKnownOffline = platform.isKnownOffline ?? (() => false);
  const listeners = new Set<BufferListener>();
  const dropped: Record<DropReason, number> = {
    evicted: 0,
    disabled: 0,
    quota: 0,
    storage: 0,
    closed: 0,
    rejected: 0,
    exhausted: 0,
  };
  const corruptSeen = new Set<string>();
  const closing = new AbortController();
  let storedCount = 0;
  let deliveredCount = 0;
  let lastError: BufferStatus['lastError'] = null;
  let lastReplay: BufferStatus['lastReplay'] = null;
  let closed = false;
  // Orders traces stored in one millisecond by this writer.
  let seq = 0;

  let choice: Promise<BackendChoice> | undefined;
  let knownChoice: BackendChoice | undefined;
  // The last failed open. Not remembered for good (an explicit 'indexeddb' may
  // open on a later try), but calls before `retryAt` fail fast with it: an open
  // blocked by another tab costs seconds, and every call waiting for it again
  // would stall every store. Cleared when an open succeeds.
  let openFailure: { error: TraceBufferError; failures: number; retryAt: number } | undefined;
  let reportedOpenFailure: string | undefined;
  const backend = async (): Promise<StorageBackend> => {
    if (!choice && openFailure && Date.now() < openFailure.retryAt) throw openFailure.error;
    choice ??= platform.openBackend().then(
      (chosen) => {
        openFailure = undefined;
        reportedOpenFailure = undefined;
        return chosen;
      },
      (error: unknown) => {
        choice = undefined;
        const failures = (openFailure?.failures ?? 0) + 1;
        const backoffMs = Math.min(OPEN_RETRY_MAX_MS, OPEN_RETRY_FIRST_MS * 2 ** (failures - 1));
        openFailure = { error: storageError(error, 'opening storage'), failures, retryAt: Date.now() + backoffMs };
        throw openFailure.error;
      },
    );
    knownChoice = await choice;
    return knownChoice.backend;
  };

  // ---- reporting and notifications ---------------------------------------------

  /** Reports a storage failure, but the same failed open only once until an open succeeds. */
  const reportStorageFailure = (failure: TraceBufferError): void => {
    if (openFailure?.error === failure) {
      const key = `${failure.code} ${failure.message}`;
      if (reportedOpenFailure === key) return;
      reportedOpenFailure = key;
    }
    reportError(failure);
  };

  const reportError = (error: TraceBufferError): void => {
    lastError = { code: error.code, message: error.message, at: Date.now() };
    if (!options.onError) return;
    try {
      options.onError(error);
    } catch (callbackError) {
      reportUncaught(callbackError);
    }
  };

  const deliverLocally = (event: BufferEvent): void => {
    for (const listener of [...listeners, ...(options.onEvent ? [options.onEvent] : [])]) {
      try {
        listener(event);
      } catch (error) {
        reportError(callbackFailed('an event listener', error));
      }
    }
  };

  // Opened on first use: creating a buffer must not open channels.
  let channel: Channel | null | undefined;
  const getChannel = (): Channel | null => {
    if (channel !== undefined || closed) return channel ?? null;
    try {
      channel =
        platform.openChannel?.(`${lockPrefix}:events`, (message) => {
          const { from, events, event } = (message ?? {}) as Partial<ChannelMessage>;
          if (from === instanceId) return;
          for (const received of Array.isArray(events) ? events : event ? [event] : []) {
            deliverLocally({ ...received, remote: true });
          }
        }) ?? null;
    } catch (error) {
      channel = null;
      reportError(
        new TraceBufferError('STORAGE_FAILED', `Change notifications are off: ${String(error)}`, { cause: error }),
      );
    }
    return channel;
  };

  let outbox: BufferEvent[] = [];
  let outboxTimer: ReturnType<typeof setTimeout> | undefined;

  const postOutbox = (): void => {
    clearTimeout(outboxTimer);
    outboxTimer = undefined;
    const events = outbox;
    outbox = [];
    const out = getChannel();
    if (!out || events.length === 0) return;
    try {
      out.post({ from: instanceId, events } satisfies ChannelMessage);
    } catch (error) {
      reportError(
        new TraceBufferError('STORAGE_FAILED', `A change notification could not be sent: ${String(error)}`, {
          cause: error,
        }),
      );
    }
  };

  const emit = (event: BufferEvent): void => {
    deliverLocally(event);
    if (!getChannel()) return;
    // Errors lose their fields in structured clone: send the plain ones.
    const plain: BufferEvent =
      event.type === 'dropped' && event.error
        ? { ...event, error: { code: event.error.code, message: event.error.message, name: event.error.name } }
        : event;
    // Consecutive events of one kind become one, with all their traces.
    const last = outbox[outbox.length - 1];
    const merged = last ? merge(last, plain) : null;
    if (merged) outbox[outbox.length - 1] = merged;
    else outbox.push(plain);
    outboxTimer ??= setTimeout(postOutbox, BROADCAST_COALESCE_MS);
  };

  const drop = (reason: DropReason, traces: TraceRef[], error?: TraceBufferError): void => {
    if (traces.length === 0) return;
    dropped[reason] += traces.length;
    emit(error ? { type: 'dropped', reason, traces, error } : { type: 'dropped', reason, traces });
  };

  const reportCorrupt = (corrupt: CorruptRecord[]): void => {
    for (const record of corrupt) {
      if (corruptSeen.has(record.key)) continue;
      corruptSeen.add(record.key);
      reportError(
        new TraceBufferError('CORRUPT_RECORD', `Skipped unreadable record "${record.key}": ${record.reason}.`, {
          details: { ...record },
        }),
      );
    }
  };

  const callback = <A extends unknown[]>(fn: ((...args: A) => void) | undefined, name: string, ...args: A): void => {
    if (!fn) return;
    try {
      fn(...args);
    } catch (error) {
      reportError(callbackFailed(name, error));
    }
  };

  const assertOpen = (): void => {
    if (closed) throw new TraceBufferError('CLOSED', 'This trace buffer was closed; create a new one.');
  };

  // ---- group commit ------------------------------------------------------------

  const pending: PendingStore[] = [];
  let flushing: Promise<void> | null = null;
  // Set when evicting old traces did not let a store through (the origin stays
  // full); cleared by the next store that succeeds.
  let evictionFreedNothing = false;

  const flushLoop = async (): Promise<void> => {
    // Yield once so every store of a synchronous burst joins the first batch.
    await Promise.resolve();
    while (pending.length > 0) await commit(pending.splice(0, MAX_GROUP_COMMIT));
    flushing = null;
  };

  const commit = async (batch: PendingStore[]): Promise<void> => {
    const records = batch.map((entry) => entry.record);
    const refs = records.map(refOf);
    const settle = (stored: boolean): void => batch.forEach((entry) => entry.resolve(stored));
    let store: StorageBackend;
    try {
      store = await backend();
    } catch (error) {
      const failure = storageError(error, 'opening storage');
      reportStorageFailure(failure);
      drop('storage', refs, failure);
      return settle(false);
    }
    try {
      await insert(store, records, refs);
      evictionFreedNothing = false;
      return settle(true);
    } catch (error) {
      const failure = storageError(error, 'storing traces');
      if (failure.code !== 'QUOTA_EXCEEDED') {
        reportError(failure);
        drop('storage', refs, failure);
        return settle(false);
      }
      if (evictionFreedNothing) {
        // Evicting did not make room last time: losing more old traces would
        // not save these new ones.
        const refused = stillFull(failure, 0);
        reportError(refused);
        drop('quota', refs, refused);
        return settle(false);
      }
      // Out of quota: make room by evicting as many of the oldest traces as we
      // are adding, then try once more (never loop: the disk may be full).
      let evicted = 0;
      try {
        const { records: oldest } = await store.readOldest(records.length);
        const removed = new Set(await store.remove(oldest.map((record) => record.id)));
        evicted = removed.size;
        drop('quota', oldest.filter((record) => removed.has(record.id)).map(refOf), failure);
        await insert(store, records, refs);
        reportError(failure);
        return settle(true);
      } catch (retryError) {
        let final = storageError(retryError, 'storing traces after evicting to make room');
        if (final.code === 'QUOTA_EXCEEDED') {
          evictionFreedNothing = true;
          final = stillFull(final, evicted);
        }
        reportError(final);
        drop(final.code === 'QUOTA_EXCEEDED' ? 'quota' : 'storage', refs, final);
        return settle(false);
      }
    }
  };

  /** The origin stays full whatever we remove: say so exactly, and what would help. */
  const stillFull = (cause: TraceBufferError, evicted: number): TraceBufferError =>
    new TraceBufferError(
      'QUOTA_EXCEEDED',
      `The origin is still out of quota${evicted > 0 ? ` after ${evicted} oldest traces were evicted to make room` : ''}: ` +
        `removing traces frees no quota at once (Chromium keeps deleted IndexedDB data on disk until it compacts its files). ` +
        `New traces are dropped, not the buffered ones, which can still be replayed or cleared; every new store tries again. ${QUOTA_ADVICE}`,
      {
        cause,
        details: { reason: 'quota-not-freed', evicted, advice: QUOTA_ADVICE },
      },
    );

  const insert = async (store: StorageBackend, records: StoredTrace[], refs: TraceRef[]): Promise<void> => {
    const { evicted } = await store.insert(records, options.maxBufferSize);
    storedCount += records.length;
    const evictedIds = new Set(evicted.map((trace) => trace.id));
    const kept = refs.filter((ref) => !evictedIds.has(ref.id));
    if (kept.length > 0) emit({ type: 'stored', traces: kept });
    drop(
      'evicted',
      evicted.map(({ id, traceId, timestamp }) => ({ id, traceId, timestamp })),
    );
    scheduler?.stored();
  };

  const idle = async (): Promise<void> => {
    while (flushing) await flushing;
  };

  // ---- replay ------------------------------------------------------------------

  // Replays in one instance run one after another: never two sends of one trace.
  let replayChain: Promise<unknown> = Promise.resolve();

  const serialised = <T>(run: () => Promise<T>): Promise<T> => {
    const next = replayChain.then(run);
    replayChain = next.then(
      () => undefined,
      () => undefined, // the caller of this replay gets its error; the next replay still runs
    );
    return next;
  };

  const replayPass = async (
    send: SendFunction,
    pass: { attemptsPerBatch: number; batchSize: number; automatic: boolean } & Pick<
      ReplayOptions,
      'onReplaySuccess' | 'onReplayFailure'
    >,
  ): Promise<PassOutcome> => {
    await idle();
    const store = await backend();
    // Traces stored after this point wait for the next replay, so a steady
    // stream of new traces cannot keep one replay going forever. Milliseconds
    // alone are too coarse: stores made in the same millisecond by this buffer
    // are told apart by their sequence number.
    const untilTime = Date.now();
    const untilSeq = seq;
    // One replayer per origin: a tab that finds the lock taken does not queue
    // up to send the same traces; it skips. The lock lasts one pass, and a
    // tab that dies mid-pass releases it with its life.
    const outcome = await withLock(
      `${lockPrefix}:replay`,
      () =>
        runReplayPass(
          {
            backend: withBookkeepingUnderQuota(store, reportError),
            instanceId,
            leaseMs: options.leaseMs,
            maxAttempts: options.maxAttempts,
            exclusive: locksAvailable,
            storedBefore: (record) =>
              record.timestamp < untilTime || (record.timestamp === untilTime && record.seq < untilSeq),
            isKnownOffline,
            closing: closing.signal,
            reportCorrupt,
            reportError,
            delivered: (traces) => {
              deliveredCount += traces.length;
              emit({ type: 'delivered', traces });
            },
            drop,
            callback,
          },
          {
            send,
            concurrency: options.replayConcurrency,
            attemptsPerBatch: pass.attemptsPerBatch,
            batchSize: pass.batchSize,
            stopOnRetryableFailure: pass.automatic,
            onSuccess: pass.onReplaySuccess,
            onFailure: pass.onReplayFailure,
          },
        ),
      { ifAvailable: true },
    );
    const result: PassOutcome = outcome ?? {
      totalTraces: 0,
      successCount: 0,
      failureCount: 0,
      failedTraces: [],
      skipped: 'replaying-elsewhere',
      retryLater: false,
    };
    lastReplay = {
      at: Date.now(),
      totalTraces: result.totalTraces,
      successCount: result.successCount,
      failureCount: result.failureCount,
      skipped: result.skipped !== undefined,
    };
    return result;
  };

  const scheduler =
    options.autoReplay && options.send
      ? new ReplayScheduler(options.autoReplay, {
          run: () =>
            serialised(() =>
              replayPass(options.send!, { attemptsPerBatch: 1, batchSize: options.replayBatchSize, automatic: true }),
            ),
          hasTraces: async () => (await (await backend()).stats()).count > 0,
          isKnownOffline,
          onPassError: (error) => reportStorageFailure(storageError(error, 'replaying buffered traces')),
        })
      : undefined;
  const unwatchOnline = scheduler ? platform.watchOnline?.(() => scheduler.online()) : undefined;
  // Stores already in flight are committed at once when the page goes away.
  const unwatchExit = platform.watchPageExit?.(() => {
    if (pending.length > 0) flushing ??= flushLoop();
  });
  scheduler?.start();

  // ---- the API -----------------------------------------------------------------

  const prepare = (traceData: unknown, config: unknown, inferencePipelineId: unknown): StoredTrace =>
    buildRecord(options, platform.generateId(), traceData, config, inferencePipelineId, seq++);

  const enqueue = (record: StoredTrace): Promise<boolean> => {
    const ref = refOf(record);
    if (closed) {
      const error = new TraceBufferError('CLOSED', 'storeTrace was called after close(); the trace was not kept.');
      reportError(error);
      drop('closed', [ref], error);
      return Promise.resolve(false);
    }
    if (options.maxBufferSize === 0) {
      // Openlayer fix 3: a cap of 0 means "keep nothing", not "use the default".
      drop('disabled', [ref]);
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      pending.push({ record, resolve });
      flushing ??= flushLoop();
    });
  };

  return {
    storeTrace(traceData, config = {}, inferencePipelineId = null) {
      let record: StoredTrace;
      try {
        record = prepare(traceData, config, inferencePipelineId);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return enqueue(record);
    },

    async publish(traceData, config = {}, inferencePipelineId = null) {
      const record = prepare(traceData, config, inferencePipelineId);
      const send = options.send;
      if (!send)
        throw new TraceBufferOptionError('send', undefined, 'a function given to createTraceBuffer, to publish');
      if (!isKnownOffline() && !closed) {
        const trace = toBufferedTrace(record);
        try {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(), options.leaseMs);
          try {
            const result = (await send([trace], { signal: controller.signal, attempt: 1 })) as SendResult | undefined;
            const failed =
              result && Array.isArray(result.failed) ? result.failed.find((f) => f.id === record.id) : undefined;
            if (!failed) {
              deliveredCount++;
              emit({ type: 'delivered', traces: [refOf(record)] });
              return 'delivered';
            }
            throw deliveryError({
              message: failed.reason,
              retryable: failed.retryable !== false,
              ...(failed.status !== undefined && { status: failed.status }),
            });
          } finally {
            clearTimeout(timer);
          }
        } catch (error) {
          callback(options.onFlushFailure, 'onFlushFailure', trace.traceData, trace.config, error);
          const failure = classifyFailure(error);
          if (!failure.retryable) {
            const rejected = new TraceBufferError(
              'SEND_FAILED',
              `The collector refused the trace: ${failure.message}`,
              {
                cause: error,
                details: { ...failure },
              },
            );
            reportError(rejected);
            drop('rejected', [refOf(record)], rejected);
            return 'dropped';
          }
          // Buffered below; still worth a report, so the status says why sends fail.
          reportError(
            new TraceBufferError('SEND_FAILED', `Sending the trace failed, so it is buffered: ${failure.message}`, {
              cause: error,
              details: { ...failure },
            }),
          );
        }
      }
      return (await enqueue(record)) ? 'buffered' : 'dropped';
    },

    async getBufferedTraces() {
      assertOpen();
      await idle();
      const { records, corrupt } = await (await backend()).readAll();
      const read = toBufferedTraces(records);
      reportCorrupt([...corrupt, ...read.corrupt]);
      return read.traces.map(({ trace }) => trace);
    },

    async removeTrace(id) {
      assertOpen();
      if (typeof id !== 'string' || id.length === 0) {
        throw new TraceBufferOptionError('id', id, 'the non-empty id of a buffered trace');
      }
      await idle();
      const removed = await (await backend()).remove([id]);
      if (removed.length > 0) emit({ type: 'removed', ids: removed });
      return removed.length > 0;
    },

    async getBufferStatus() {
      await idle();
      let stats = { count: 0, bytes: 0, oldest: null as number | null, newest: null as number | null };
      let kind = knownChoice?.backend.kind ?? requestedKind(options);
      if (!closed) {
        try {
          const store = await backend();
          kind = store.kind;
          stats = await store.stats();
        } catch (error) {
          // The status must answer even when storage is down; it says why instead.
          reportStorageFailure(storageError(error, 'reading the buffer status'));
        }
      }
      return {
        name: options.name,
        backend: kind,
        fallbackReason: knownChoice?.fallbackReason ?? null,
        persistent: kind !== 'memory',
        totalTraces: stats.count,
        maxBufferSize: options.maxBufferSize,
        totalSizeBytes: stats.bytes,
        oldestTrace: stats.oldest,
        newestTrace: stats.newest,
        pendingWrites: pending.length,
        corruptRecords: corruptSeen.size,
        stored: storedCount,
        delivered: deliveredCount,
        dropped: { ...dropped },
        lastError,
        lastReplay,
        coordination: { locks: locksAvailable, broadcast: getChannel() !== null },
        autoReplay: scheduler !== undefined,
        nextReplayAt: scheduler?.nextRunAt ?? null,
        online: !isKnownOffline(),
        closed,
      };
    },

    async clearBuffer() {
      assertOpen();
      await idle();
      let removed: number;
      try {
        removed = await (await backend()).clear();
      } catch (error) {
        const failure = storageError(error, 'clearing the buffer');
        const partial = failure.details?.['removed'];
        if (typeof partial !== 'number') throw failure;
        // Some records could not be removed: say so, but count what went.
        reportError(failure);
        removed = partial;
      }
      corruptSeen.clear();
      emit({ type: 'cleared', count: removed });
      return removed;
    },

    replayBufferedTraces(replayOptions = {}) {
      if (closed)
        return Promise.reject(new TraceBufferError('CLOSED', 'This trace buffer was closed; create a new one.'));
      let run: () => Promise<ReplayResult>;
      try {
        const given = replayOptions as Record<string, unknown>;
        const maxRetries = count(given, 'maxRetries', DEFAULT_MAX_RETRIES, 0);
        const batchSize = count(given, 'batchSize', options.replayBatchSize, 1);
        const send = optionalFunction<SendFunction>(given, 'send') ?? options.send;
        const onReplaySuccess = optionalFunction<ReplayOptions['onReplaySuccess']>(given, 'onReplaySuccess');
        const onReplayFailure = optionalFunction<ReplayOptions['onReplayFailure']>(given, 'onReplayFailure');
        if (!send) {
          throw new TraceBufferOptionError(
            'send',
            undefined,
            'a function, given to createTraceBuffer or to replayBufferedTraces',
          );
        }
        run = async () => {
          const outcome = await replayPass(send, {
            attemptsPerBatch: Math.max(1, maxRetries),
            batchSize,
            automatic: false,
            onReplaySuccess,
            onReplayFailure,
          });
          // The scheduler's fields (retryLater, retryAfterMs) are not the caller's business.
          const result: ReplayResult = {
            totalTraces: outcome.totalTraces,
            successCount: outcome.successCount,
            failureCount: outcome.failureCount,
            failedTraces: outcome.failedTraces,
          };
          if (outcome.skipped) result.skipped = outcome.skipped;
          return result;
        };
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return serialised(run);
    },

    notifyOnline() {
      scheduler?.online();
    },

    subscribe(listener) {
      if (typeof listener !== 'function') throw new TraceBufferOptionError('listener', listener, 'a function');
      listeners.add(listener);
      getChannel();
      return () => listeners.delete(listener);
    },

    flush: idle,

    async close() {
      if (closed) return;
      scheduler?.stop();
      unwatchOnline?.();
      unwatchExit?.();
      await idle();
      closed = true;
      // A send still running is told to stop; its batch stays buffered.
      closing.abort();
      await replayChain;
      postOutbox();
      channel?.close();
      if (choice) {
        const store = await choice.then(
          (chosen) => chosen.backend,
          () => undefined, // it never opened, so there is nothing to close
        );
        await store?.close();
      }
    },
  };
}

function buildRecord(
  options: ResolvedOptions,
  id: string,
  traceData: unknown,
  config: unknown,
  inferencePipelineId: unknown,
  seq: number,
): StoredTrace {
  if (typeof traceData !== 'object' || traceData === null || Array.isArray(traceData)) {
    throw new TraceBufferError('NOT_SERIALIZABLE', `traceData must be a plain object; got ${kindOf(traceData)}.`, {
      details: { field: 'traceData' },
    });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TraceBufferError('NOT_SERIALIZABLE', `config must be a plain object; got ${kindOf(config)}.`, {
      details: { field: 'config' },
    });
  }
  if (inferencePipelineId !== null && (typeof inferencePipelineId !== 'string' || inferencePipelineId === '')) {
    throw new TraceBufferError(
      'NOT_SERIALIZABLE',
      `inferencePipelineId must be a non-empty string or null; got ${kindOf(inferencePipelineId)}.`,
      { details: { field: 'inferencePipelineId' } },
    );
  }
  const traceJson = toJson(traceData, 'traceData');
  const configJson = toJson(config, 'config');
  const sizeBytes = utf8Length(traceJson) + utf8Length(configJson);
  if (sizeBytes > options.maxTraceBytes) {
    throw new TraceBufferError(
      'TRACE_TOO_LARGE',
      `The trace is ${sizeBytes} bytes as JSON; maxTraceBytes allows ${options.maxTraceBytes}.`,
      { details: { sizeBytes, maxTraceBytes: options.maxTraceBytes } },
    );
  }
  return {
    id,
    traceId: traceIdOf({ id, traceData: traceData as TraceData }),
    // Stored in JSON form: what reads back is exactly what a sender will post.
    traceJson,
    configJson,
    inferencePipelineId,
    timestamp: Date.now(),
    attempts: 0,
    metadata: { bufferVersion: BUFFER_VERSION, createdBy: options.createdBy },
    seq,
    sizeBytes,
  };
}

function requestedKind(options: ResolvedOptions): string {
  return typeof options.storage === 'string' ? options.storage : options.storage.kind;
}

function callbackFailed(name: string, error: unknown): TraceBufferError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TraceBufferError('CALLBACK_FAILED', `${name} threw: ${reason}`, { cause: error });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Last resort for an `onError` that throws: hand it to the host, never lose it. */
function reportUncaught(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else console.error('offline-trace-buffer: onError threw', error);
}

/** Two events as one when they can travel so: same kind (and reason), both listing traces, no error attached. */
function merge(a: BufferEvent, b: BufferEvent): BufferEvent | null {
  if (a.type === 'stored' && b.type === 'stored') return { ...a, traces: [...a.traces, ...b.traces] };
  if (a.type === 'delivered' && b.type === 'delivered') return { ...a, traces: [...a.traces, ...b.traces] };
  if (a.type === 'dropped' && b.type === 'dropped' && a.reason === b.reason && !a.error && !b.error) {
    return { ...a, traces: [...a.traces, ...b.traces] };
  }
  return null;
}
