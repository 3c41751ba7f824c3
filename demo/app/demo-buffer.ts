import { createTraceBuffer, TraceBufferError, type TraceBuffer } from 'offline-trace-buffer';
import { connectTraceBuffer } from 'offline-trace-buffer/worker';
import { BUFFER_NAMES, demoBufferOptions, type BufferMode } from './buffer-settings.js';

export type { BufferMode };

/** A trace buffer, in this page or in a worker: the same `TraceBuffer` API either way. */
export interface DemoBuffer {
  readonly mode: BufferMode;
  readonly buffer: TraceBuffer;
  /** Closes the buffer and, in worker mode, ends the worker. */
  close(): Promise<void>;
}

export function openDemoBuffer(mode: BufferMode, onError: (error: TraceBufferError) => void): DemoBuffer {
  if (mode === 'main') {
    const buffer = createTraceBuffer(demoBufferOptions('main', onError));
    return { mode, buffer, close: () => buffer.close() };
  }
  const worker = new Worker(new URL('./buffer-worker.ts', import.meta.url), {
    type: 'module',
    name: BUFFER_NAMES.worker,
  });
  worker.addEventListener('error', (event) =>
    onError(
      new TraceBufferError('STORAGE_UNAVAILABLE', `The buffer worker failed: ${event.message || 'it did not start'}`),
    ),
  );
  const buffer = connectTraceBuffer(worker);
  return {
    mode,
    buffer,
    async close() {
      try {
        await buffer.close();
      } finally {
        buffer.disconnect();
        worker.terminate();
      }
    },
  };
}

/**
 * Moves traces between the two modes' stores through the public API: the
 * worker's OPFS store can only be opened inside that worker, so the backends
 * cannot meet in one place for `migrateBufferedTraces`. Stored in the new
 * buffer first, then removed from the old: a failure in between leaves a copy
 * in both (the collector ignores the second delivery), never none.
 */
export async function moveBufferedTraces(from: TraceBuffer, to: TraceBuffer): Promise<number> {
  let moved = 0;
  for (const trace of await from.getBufferedTraces()) {
    if (!(await to.storeTrace(trace.traceData, trace.config, trace.inferencePipelineId))) continue;
    await from.removeTrace(trace.id);
    moved++;
  }
  return moved;
}
