import { durabilityOption, type IndexedDbDurability } from './backends/indexeddb/index.js';
import { deadLetterStore } from './backends/dead-letter-store.js';
import { selectBackend } from './backends/select-backend.js';
import { resolveOptions, type CoreOptions } from './core/options.js';
import { createBufferCore, type TraceBuffer } from './core/trace-buffer.js';
import { backgroundSync } from './platform/background-sync.js';
import { openChannel } from './platform/broadcast-channel.js';
import { isKnownOffline, watchOnline } from './platform/connectivity.js';
import { watchPageExit } from './platform/page-lifecycle.js';
import { watchProcessExit } from './platform/process-exit.js';
import { randomUUID } from './platform/random-uuid.js';
import { reportUncaught } from './platform/report-uncaught.js';
import { gzip } from './platform/gzip.js';
import { deviceStorage } from './platform/storage-manager.js';
import { manualReplayReason } from './platform/request-scoped.js';
import { webLocksAvailable, withWebLock } from './platform/web-lock.js';
import { yieldTask } from './platform/yield-task.js';

export interface TraceBufferOptions extends CoreOptions {
  /**
   * IndexedDB transaction durability for writes: `'default'` (the browser's
   * choice), `'strict'` (flushed to disk before resolving) or `'relaxed'`.
   * An option of the IndexedDB backend; other backends ignore it.
   */
  durability?: IndexedDbDurability;
}

/**
 * Creates a buffer. Storage is opened on the first call that needs it; with a
 * `send` function, automatic replay starts (after `autoReplay.startupDelayMs`).
 * Bad options throw a `TypeError` (code `INVALID_OPTION`) at once.
 */
export function createTraceBuffer(options?: TraceBufferOptions): TraceBuffer {
  const resolved = resolveOptions(options);
  const durability = durabilityOption((options as { durability?: unknown } | undefined)?.durability);
  return createBufferCore(resolved, {
    openBackend: () => selectBackend({ name: resolved.name, storage: resolved.storage, durability }),
    deadLetterStore: (main) =>
      deadLetterStore(
        {
          name: resolved.name,
          custom: typeof resolved.storage === 'object' ? resolved.storage : undefined,
          deadLetterBackend: resolved.deadLetterBackend,
          durability,
        },
        main,
      ),
    generateId: () => randomUUID(),
    withLock: withWebLock,
    locksAvailable: webLocksAvailable(),
    openChannel,
    isKnownOffline,
    watchOnline,
    watchPageExit,
    reportUncaught,
    manualReplayReason: manualReplayReason(),
    watchProcessExit,
    deviceStorage: deviceStorage(),
    compression: gzip(),
    yieldTask,
    backgroundSync: backgroundSync(),
  });
}
