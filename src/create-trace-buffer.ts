import { selectBackend } from './backends/select-backend.js';
import { resolveOptions, type TraceBufferOptions } from './core/options.js';
import { createBufferCore, type TraceBuffer } from './core/trace-buffer.js';
import { randomUUID } from './platform/random-uuid.js';

/**
 * Creates a buffer. Nothing is opened until the first call that needs storage,
 * so creating one on page load costs nothing. Bad options throw a `TypeError`
 * (code `INVALID_OPTION`) at once.
 */
export function createTraceBuffer(options?: TraceBufferOptions): TraceBuffer {
  const resolved = resolveOptions(options);
  return createBufferCore(resolved, {
    openBackend: () => selectBackend(resolved),
    generateId: () => randomUUID(),
  });
}
