import type { DeadLetters } from './dead-letters.js';
import type { DeliveryBlock } from './delivery-block.js';
import { storageError } from './errors.js';
import type { EventBus } from './event-bus.js';
import type { Expiry } from './expiry.js';
import type { GroupCommit } from './group-commit.js';
import type { LazyBackend } from './lazy-backend.js';
import type { ResolvedOptions } from './options.js';
import type { ReplayRunner } from './replay-runner.js';
import type { ReplayScheduler } from './replay-scheduler.js';
import type { Reporter } from './reporter.js';
import type { BackendStats } from './storage-backend.js';
import type { StorageStanding } from './storage-standing.js';
import type { SyncRequest } from './sync-request.js';
import type { BufferStatus, CompressionStatus } from './trace-buffer-api.js';

/** Where each field of the status comes from. */
export interface StatusSources {
  options: ResolvedOptions;
  backend: LazyBackend;
  commits: GroupCommit;
  reporter: Reporter;
  bus: EventBus;
  runner: ReplayRunner;
  scheduler: ReplayScheduler | undefined;
  counts: { stored: number; delivered: number; compressed: CompressionStatus['compressed'] };
  /** Whether stores are compressed here (the option is on and the runtime has CompressionStream). */
  compressing: boolean;
  isClosed: () => boolean;
  locksAvailable: boolean;
  isKnownOffline: () => boolean;
  manualReplayReason: string | null;
  expiry: Expiry | undefined;
  storageStanding: StorageStanding;
  syncRequest: SyncRequest;
  block: DeliveryBlock;
  deadLetters: DeadLetters;
  isPaused: () => boolean;
}

/**
 * `getBufferStatus`: the backend's totals (which no backend walks the store
 * for) and this instance's own counts. It answers even when storage is down,
 * and then says why in `lastError` instead of throwing.
 */
export async function bufferStatus(sources: StatusSources): Promise<BufferStatus> {
  const { options, backend, reporter, runner, scheduler } = sources;
  await sources.commits.idle();
  let stats: BackendStats = { count: 0, bytes: 0, oldest: null, newest: null };
  let kind = backend.known?.backend.kind ?? requestedKind(options);
  let deadLetters = 0;
  if (!sources.isClosed()) {
    try {
      const store = await backend.get();
      kind = store.kind;
      stats = sources.expiry ? await sources.expiry.sweep(store) : await store.stats();
      // Only once the buffer's own storage opened: a second store failing beside it would be a second report.
      deadLetters = await sources.deadLetters.count();
    } catch (error) {
      const failure = storageError(error, 'reading the buffer status');
      if (backend.shouldReport(failure)) reporter.error(failure);
    }
  }
  return {
    name: options.name,
    backend: kind,
    fallbackReason: backend.known?.fallbackReason ?? null,
    persistent: kind !== 'memory',
    totalTraces: stats.count,
    maxBufferSize: options.maxBufferSize,
    maxBufferBytes: options.maxBufferBytes,
    totalSizeBytes: stats.bytes,
    oldestTrace: stats.oldest,
    newestTrace: stats.newest,
    pendingWrites: sources.commits.pendingCount,
    corruptRecords: reporter.corruptCount,
    stored: sources.counts.stored,
    delivered: sources.counts.delivered,
    deadLetters,
    deadLetterStorage: sources.deadLetters.kind,
    dropped: { ...reporter.dropped },
    lastError: reporter.lastError,
    lastReplay: runner.lastReplay,
    coordination: { locks: sources.locksAvailable, broadcast: sources.bus.channel() !== null },
    autoReplay: scheduler !== undefined,
    nextReplayAt: scheduler?.nextRunAt ?? null,
    manualReplayReason: sources.manualReplayReason,
    storage: await sources.storageStanding.status(),
    compression: {
      enabled: sources.compressing,
      thresholdBytes: options.compression?.thresholdBytes ?? null,
      compressed: { ...sources.counts.compressed },
    },
    backgroundSync: await sources.syncRequest.status(),
    blocked: sources.block.current && { ...sources.block.current },
    paused: sources.isPaused(),
    online: !sources.isKnownOffline(),
    closed: sources.isClosed(),
  };
}

function requestedKind(options: ResolvedOptions): string {
  return typeof options.storage === 'string' ? options.storage : options.storage.kind;
}
