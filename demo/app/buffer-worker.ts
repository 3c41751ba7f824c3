/**
 * A trace buffer in a dedicated worker: storage work leaves the page's main
 * thread. The worker delivers to the collector itself (fetch works here);
 * the page only asks it to replay, because Chromium fires no `online` events
 * in workers (crbug 114475).
 */
import { createTraceBuffer, isTraceBufferError, type BufferEvent, type TraceBuffer } from 'offline-trace-buffer';
import { sendBufferedTraces } from './collector-client.js';
import { DEMO_MAX_BUFFER_SIZE, DEMO_REPLAY_OPTIONS } from './buffer-settings.js';
import type { WireError, WorkerMessage, WorkerRequest, WorkerSetup } from './worker-bridge.js';

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest | WorkerSetup>) => void): void;
}

const scope = self as unknown as WorkerScope;
let buffer: TraceBuffer | undefined;

scope.addEventListener('message', (message) => {
  const data = message.data;
  if ('name' in data) {
    buffer = createTraceBuffer({
      name: data.name,
      storage: 'auto',
      maxBufferSize: DEMO_MAX_BUFFER_SIZE,
      send: sendBufferedTraces,
      onError: (error) => scope.postMessage({ kind: 'error', error: toWire(error) }),
      onEvent: (event) => scope.postMessage({ kind: 'event', event: plainEvent(event) }),
    });
    return;
  }
  answer(data).then(
    (value) => scope.postMessage({ kind: 'answer', id: data.id, ok: true, value }),
    (error: unknown) => scope.postMessage({ kind: 'answer', id: data.id, ok: false, error: toWire(error) }),
  );
});

async function answer(request: WorkerRequest): Promise<unknown> {
  if (!buffer) throw new Error('the worker got a request before its setup');
  const [first] = request.args;
  switch (request.method) {
    case 'storeTrace':
      return buffer.storeTrace(first as Record<string, unknown>);
    case 'getBufferedTraces':
      return buffer.getBufferedTraces();
    case 'removeTrace':
      return buffer.removeTrace(first as string);
    case 'getBufferStatus':
      return buffer.getBufferStatus();
    case 'replay':
      return buffer.replayBufferedTraces(DEMO_REPLAY_OPTIONS);
    case 'close':
      return buffer.close();
  }
}

function toWire(error: unknown): WireError {
  if (isTraceBufferError(error)) return { code: error.code, message: error.message };
  return { code: 'STORAGE_FAILED', message: error instanceof Error ? error.message : String(error) };
}

/** A dropped event's error would lose its code in transit; it reaches the page through onError already. */
function plainEvent(event: BufferEvent): BufferEvent {
  if (event.type !== 'dropped') return event;
  return { type: 'dropped', reason: event.reason, traces: event.traces };
}
