import { buildRecord } from './build-record.js';
import { Closing } from './closing.js';
import { DeadLetters } from './dead-letters.js';
import { DeliveryBlock } from './delivery-block.js';
import { bufferStatus, type StatusSources } from './buffer-status.js';
import { storageError, TraceBufferError, TraceBufferOptionError } from './errors.js';
import { EventBus, eventChannelName } from './event-bus.js';
import { Expiry } from './expiry.js';
import type { BufferListener, TraceRef } from './events.js';
import { GroupCommit } from './group-commit.js';
import { LazyBackend } from './lazy-backend.js';
import type { ResolvedOptions } from './options.js';
import type { CorePlatform } from './platform.js';
import { publish } from './publish.js';
import { refuseInput, registerRefuser } from './refuse-input.js';
import { compressionStep, readTraces } from './compressed-body.js';
import { refOf, type BufferedTrace, type StoredTrace, type TraceConfig, type TraceData } from './record.js';
import { ReplayRunner } from './replay-runner.js';
import { ReplayScheduler } from './replay-scheduler.js';
import { Reporter } from './reporter.js';
import { StorageStanding } from './storage-standing.js';
import { SyncRequest } from './sync-request.js';
import { warnUnsentAtExit } from './unsent-at-exit.js';
import type { EvictedTrace } from './storage-backend.js';
import type { PublishOutcome, TraceBuffer } from './trace-buffer-api.js';

export type { BackendChoice, CorePlatform } from './platform.js';
export type { SendContext, SendFunction } from './delivery.js';
export type * from './trace-buffer-api.js';

/** The parts a buffer is made of; each method below is one short function over them. */
interface BufferCore extends StatusSources {
  platform: CorePlatform;
  closing: Closing;
  /** Orders traces stored in one millisecond by this writer. */
  seq: number;
  closed: boolean;
  paused: boolean;
  /** Publishes whose send is in flight: close() lets them buffer their trace first. */
  publishing: Set<Promise<unknown>>;
  stopWatching: (() => void)[];
  delivered: (traces: TraceRef[]) => void;
}

/**
 * The buffer: composes the storage opened on first use, the reporter, the
 * event bus, the group commit and the replay runner, and wires the automatic
 * replay to the platform's `online` and page-exit signals.
 */
export function createBufferCore(options: ResolvedOptions, platform: CorePlatform): TraceBuffer {
  const buffer = compose(options, platform);
  const api: TraceBuffer = {
    storeTrace: (traceData, config = {}, inferencePipelineId = null) =>
      storeTrace(buffer, traceData, config, inferencePipelineId),
    publish: (traceData, config = {}, inferencePipelineId = null) =>
      publishTrace(buffer, traceData, config, inferencePipelineId),
    getBufferedTraces: () => getBufferedTraces(buffer),
    removeTrace: (id) => removeTrace(buffer, id),
    getBufferStatus: () => bufferStatus(buffer),
    clearBuffer: () => clearBuffer(buffer),
    getDeadLetters: () => afterCommits(buffer, () => buffer.deadLetters.list()),
    retryDeadLetters: (ids) => retryDeadLetters(buffer, ids),
    clearDeadLetters: () => afterCommits(buffer, () => buffer.deadLetters.clear()),
    replayBufferedTraces: (replayOptions = {}) => buffer.runner.replay(replayOptions, buffer.closed),
    notifyOnline: () => buffer.scheduler?.online(),
    pause: () => {
      buffer.paused = true;
    },
    resume: () => resume(buffer),
    subscribe: (listener) => subscribe(buffer, listener),
    flush: () => buffer.commits.idle(),
    close: () => close(buffer),
  };
  registerRefuser(api, (error, inferenceId) =>
    refuseInput(buffer.reporter, platform.generateId(), { inferenceId }, error),
  );
  return api;
}

function compose(options: ResolvedOptions, platform: CorePlatform): BufferCore {
  // Made on first use, not here: workerd refuses random values at module scope.
  let id: string | undefined;
  const ids = {
    get instanceId() {
      return (id ??= platform.generateId());
    },
  };
  const isKnownOffline = platform.isKnownOffline ?? (() => false);
  const counts = { stored: 0, delivered: 0, compressed: { traces: 0, originalBytes: 0, storedBytes: 0 } };
  const closing = new Closing();
  const backend = new LazyBackend(platform.openBackend);
  const bus: EventBus = new EventBus({
    channelName: eventChannelName(options.name),
    get instanceId() {
      return ids.instanceId;
    },
    openChannel: platform.openChannel,
    onEvent: options.onEvent,
    report: (error) => reporter.error(error),
    isClosed: () => buffer.closed,
  });
  const reporter = new Reporter(options.onError, platform.reportUncaught ?? console.error, (event) => bus.emit(event));
  const prepare = compressionStep(options, platform, reporter);
  const commits = new GroupCommit({
    backend,
    reporter,
    maxBufferSize: options.maxBufferSize,
    maxBufferBytes: options.maxBufferBytes,
    prepare,
    inserted: (records, evicted) => inserted(buffer, records, evicted),
  });
  const expiry = options.maxAgeMs === Infinity ? undefined : new Expiry(options.maxAgeMs, reporter);
  const block = new DeliveryBlock(reporter);
  const deadLetterStore = platform.deadLetterStore;
  // Picked once the buffer's storage is known: the dead letters go to a store of the same kind.
  const deadLetters = new DeadLetters(
    options.deadLetters,
    deadLetterStore && (async () => deadLetterStore(await backend.get())),
    reporter,
    (event) => bus.emit(event),
    (records) => readTraces(records, platform),
  );
  const delivered = (traces: TraceRef[]): void => {
    counts.delivered += traces.length;
    bus.emit({ type: 'delivered', traces });
  };
  const buffer: BufferCore = {
    options,
    platform,
    backend,
    commits,
    reporter,
    bus,
    counts,
    closing,
    delivered,
    block,
    deadLetters,
    seq: 0,
    closed: false,
    paused: false,
    isPaused: () => buffer.paused,
    publishing: new Set(),
    stopWatching: [],
    locksAvailable: platform.locksAvailable ?? false,
    compressing: prepare !== undefined,
    isKnownOffline,
    manualReplayReason: (options.autoReplay && options.send && platform.manualReplayReason) || null,
    expiry,
    storageStanding: new StorageStanding(platform.deviceStorage ?? null, reporter),
    syncRequest: new SyncRequest(
      options.name,
      options.backgroundSync ? (platform.backgroundSync ?? null) : null,
      options.backgroundSync
        ? 'Background Sync is not available in this runtime'
        : 'turned off (backgroundSync: false)',
      reporter,
    ),
    isClosed: () => buffer.closed,
    scheduler: undefined,
    runner: new ReplayRunner({
      options,
      platform,
      get instanceId() {
        return ids.instanceId;
      },
      backend,
      commits,
      reporter,
      closing,
      nextSeq: () => buffer.seq,
      delivered,
      deadLetters,
      expiry,
      block,
      isPaused: () => buffer.paused,
    }),
  };
  if (options.persist) buffer.storageStanding.requestPersistence();
  startAutoReplay(buffer);
  return buffer;
}

/**
 * With a `send`, replay runs by itself: at start-up, on `online`, on a backoff
 * timer; except where timers belong to a request (see `manualReplayReason`).
 */
function startAutoReplay(buffer: BufferCore): void {
  const { options, platform, runner, backend, reporter } = buffer;
  const send = options.send;
  if (options.autoReplay && send && !buffer.manualReplayReason) {
    const scheduler = new ReplayScheduler(options.autoReplay, {
      run: async () => {
        const outcome = await runner.serialised(() =>
          runner.pass(send, { attemptsPerBatch: 1, batchSize: options.replayBatchSize, automatic: true }),
        );
        // Traces left for later: the service worker may get them out if this tab goes away first.
        if (outcome.retryLater) buffer.syncRequest.request();
        return outcome;
      },
      hasTraces: async () => (await (await backend.get()).stats()).count > 0,
      isKnownOffline: buffer.isKnownOffline,
      isPaused: buffer.isPaused,
      onPassError: (error) => {
        const failure = storageError(error, 'replaying buffered traces');
        if (backend.shouldReport(failure)) reporter.error(failure);
      },
    });
    buffer.scheduler = scheduler;
    const unwatchOnline = platform.watchOnline?.(() => scheduler.online());
    if (unwatchOnline) buffer.stopWatching.push(unwatchOnline);
  }
  // Stores already in flight are committed at once when the page goes away.
  // and the service worker is asked to replay what this page stored, in case it leaves before replaying.
  const unwatchExit = platform.watchPageExit?.(() => {
    buffer.commits.commitNow();
    if (buffer.counts.stored > 0) buffer.syncRequest.request();
  });
  if (unwatchExit) buffer.stopWatching.push(unwatchExit);
  const unwatchProcess = platform.watchProcessExit?.(() => warnUnsentAtExit(buffer));
  if (unwatchProcess) buffer.stopWatching.push(unwatchProcess);
  buffer.scheduler?.start();
}

function inserted(buffer: BufferCore, records: StoredTrace[], evicted: EvictedTrace[]): void {
  buffer.counts.stored += records.length;
  for (const record of records) {
    if (record.originalBytes === undefined) continue;
    buffer.counts.compressed.traces++;
    buffer.counts.compressed.originalBytes += record.originalBytes;
    buffer.counts.compressed.storedBytes += record.sizeBytes;
  }
  const evictedIds = new Set(evicted.map((trace) => trace.id));
  const kept = records.filter((record) => !evictedIds.has(record.id)).map(refOf);
  if (kept.length > 0) buffer.bus.emit({ type: 'stored', traces: kept });
  buffer.reporter.drop(
    'evicted',
    evicted.map(({ id, traceId, timestamp }) => ({ id, traceId, timestamp })),
  );
  buffer.scheduler?.stored();
  if (buffer.isKnownOffline()) buffer.syncRequest.request();
  const store = buffer.backend.known?.backend;
  if (store) buffer.expiry?.afterInsert(store, records);
}

/** The record to keep, or undefined when the input was refused (reported by refuseInput). */
function prepare(
  buffer: BufferCore,
  traceData: unknown,
  config: unknown,
  inferencePipelineId: unknown,
): StoredTrace | undefined {
  const id = buffer.platform.generateId();
  try {
    return buildRecord(buffer.options, id, { traceData, config, inferencePipelineId }, buffer.seq++);
  } catch (error) {
    refuseInput(buffer.reporter, id, traceData, error);
    return undefined;
  }
}

function enqueue(buffer: BufferCore, record: StoredTrace): Promise<boolean> {
  const { reporter } = buffer;
  if (buffer.closed) {
    const error = new TraceBufferError('CLOSED', 'storeTrace was called after close(); the trace was not kept.');
    reporter.error(error);
    reporter.drop('closed', [refOf(record)], error);
    return Promise.resolve(false);
  }
  if (buffer.options.maxBufferSize === 0) {
    // Openlayer fix 3: a cap of 0 means "keep nothing", not "use the default".
    reporter.drop('disabled', [refOf(record)]);
    return Promise.resolve(false);
  }
  return buffer.commits.enqueue(record);
}

function storeTrace(buffer: BufferCore, traceData: TraceData, config: TraceConfig, pipelineId: string | null) {
  const record = prepare(buffer, traceData, config, pipelineId);
  return record ? enqueue(buffer, record) : Promise.resolve(false);
}

async function publishTrace(
  buffer: BufferCore,
  traceData: TraceData,
  config: TraceConfig,
  pipelineId: string | null,
): Promise<PublishOutcome> {
  const send = buffer.options.send;
  // A buffer set up without `send` is a mistake in the code, told at once; bad data is refused like storeTrace's.
  if (!send) throw new TraceBufferOptionError('send', undefined, 'a function given to createTraceBuffer, to publish');
  const record = prepare(buffer, traceData, config, pipelineId);
  if (!record) return 'dropped';
  const parts = {
    options: buffer.options,
    reporter: buffer.reporter,
    closing: buffer.closing,
    skipSending: () => buffer.isKnownOffline() || buffer.paused || buffer.closed || buffer.closing.aborted,
    delivered: buffer.delivered,
    block: buffer.block,
    deadLetters: buffer.deadLetters,
    enqueue: (stored: StoredTrace) => enqueue(buffer, stored),
  };
  const run = publish(parts, record, send);
  buffer.publishing.add(run);
  try {
    return await run;
  } finally {
    buffer.publishing.delete(run);
  }
}

/** Ends a pause, and lets the next block be reported again; delivery is retried at once. */
function resume(buffer: BufferCore): void {
  buffer.paused = false;
  buffer.block.rearm();
  buffer.scheduler?.resume();
}

function assertOpen(buffer: BufferCore): void {
  if (buffer.closed) throw new TraceBufferError('CLOSED', 'This trace buffer was closed; create a new one.');
}

async function getBufferedTraces(buffer: BufferCore): Promise<BufferedTrace[]> {
  assertOpen(buffer);
  await buffer.commits.idle();
  const { records, corrupt } = await (await buffer.backend.get()).readAll();
  const read = await readTraces(records, buffer.platform);
  buffer.reporter.corrupt([...corrupt, ...read.corrupt]);
  return read.traces.map(({ trace }) => trace);
}

async function removeTrace(buffer: BufferCore, id: string): Promise<boolean> {
  assertOpen(buffer);
  if (typeof id !== 'string' || id.length === 0) {
    throw new TraceBufferOptionError('id', id, 'the non-empty id of a buffered trace');
  }
  await buffer.commits.idle();
  const removed = await (await buffer.backend.get()).remove([id]);
  if (removed.length > 0) buffer.bus.emit({ type: 'removed', ids: removed });
  return removed.length > 0;
}

async function clearBuffer(buffer: BufferCore): Promise<number> {
  assertOpen(buffer);
  await buffer.commits.idle();
  let removed: number;
  try {
    removed = await (await buffer.backend.get()).clear();
  } catch (error) {
    const failure = storageError(error, 'clearing the buffer');
    const partial = failure.details?.['removed'];
    if (typeof partial !== 'number') throw failure;
    // Some records could not be removed: say so, but count what went.
    buffer.reporter.error(failure);
    removed = partial;
  }
  buffer.reporter.forgetCorrupt();
  buffer.bus.emit({ type: 'cleared', count: removed });
  return removed;
}

async function afterCommits<T>(buffer: BufferCore, run: () => Promise<T>): Promise<T> {
  assertOpen(buffer);
  await buffer.commits.idle();
  return run();
}

/** Dead letters go back into the buffer (stored first, then taken out of the dead letters). */
function retryDeadLetters(buffer: BufferCore, ids: readonly string[] | undefined): Promise<number> {
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))) {
    throw new TraceBufferOptionError('ids', ids, 'an array of dead-letter ids, or nothing for all of them');
  }
  // Stamped as stored now, with a new place in the queue: with its first
  // timestamp a retried trace older than `maxAgeMs` expired at once, and into a
  // full buffer it was the oldest, so the first store evicted it.
  const requeue = (record: StoredTrace) => enqueue(buffer, { ...record, timestamp: Date.now(), seq: buffer.seq++ });
  return afterCommits(buffer, () => buffer.deadLetters.retry(ids, requeue));
}

function subscribe(buffer: BufferCore, listener: BufferListener): () => void {
  if (typeof listener !== 'function') throw new TraceBufferOptionError('listener', listener, 'a function');
  return buffer.bus.subscribe(listener);
}

async function close(buffer: BufferCore): Promise<void> {
  if (buffer.closed) return;
  buffer.scheduler?.stop();
  for (const stop of buffer.stopWatching) stop();
  // A send still running is told to stop: a replay's batch stays buffered, and
  // a publish buffers its trace before the storage closes.
  buffer.closing.abort();
  await Promise.allSettled([...buffer.publishing]);
  await buffer.commits.idle();
  buffer.closed = true;
  await buffer.runner.settled();
  buffer.bus.close();
  await buffer.backend.close();
  await buffer.deadLetters.close();
}
