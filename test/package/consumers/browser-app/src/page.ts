// The README's "Workers and OPFS": the page side.
import { isTraceBufferError, type TraceBuffer } from 'offline-trace-buffer';
import { connectTraceBuffer } from 'offline-trace-buffer/worker';

const worker = new Worker(new URL('./trace-worker.ts', import.meta.url), { type: 'module' });
const buffer = connectTraceBuffer(worker); // a TraceBuffer: storeTrace, replayBufferedTraces, ...
const asBuffer: TraceBuffer = buffer;

try {
  await asBuffer.storeTrace({ inferenceId: 'from-the-page' });
} catch (error) {
  if (isTraceBufferError(error, 'TRACE_TOO_LARGE')) console.warn(error.code);
}
buffer.disconnect();
