import { selectBackend } from './backends/select-backend.js';
import { resolveOptions, type TraceBufferOptions } from './core/options.js';
import { createBufferCore, type TraceBuffer } from './core/trace-buffer.js';
import { openChannel } from './platform/broadcast-channel.js';
import { isKnownOffline, watchOnline } from './platform/connectivity.js';
import { watchPageExit } from './platform/page-lifecycle.js';
import { randomUUID } from './platform/random-uuid.js';
import { webLocksAvailable, withWebLock } from './platform/web-lock.js';

/**
 * Creates a buffer. Storage is opened on the first call that needs it; with a
 * `send` function, automatic replay starts (after `autoReplay.startupDelayMs`).
 * Bad options throw a `TypeError` (code `INVALID_OPTION`) at once.
 */
export function createTraceBuffer(options?: TraceBufferOptions): TraceBuffer {
  const resolved = resolveOptions(options);
  return createBufferCore(resolved, {
    openBackend: () => selectBackend(resolved),
    generateId: () => randomUUID(),
    withLock: withWebLock,
    locksAvailable: webLocksAvailable(),
    openChannel,
    isKnownOffline,
    watchOnline,
    watchPageExit,
  });
}
