import {
  createTraceBuffer,
  type BufferListener,
  type BufferStatus,
  type BufferedTrace,
  type ReplayResult,
  type TraceBufferError,
  type TraceData,
} from 'offline-trace-buffer';
import { sendBufferedTraces } from './collector-client.js';
import { BUFFER_NAMES, DEMO_MAX_BUFFER_SIZE, DEMO_REPLAY_OPTIONS, type BufferMode } from './buffer-settings.js';
import { connectWorkerBuffer } from './worker-bridge.js';

export type { BufferMode };

/** The part of a trace buffer the demo uses, the same whether it runs here or in a worker. */
export interface DemoBuffer {
  readonly mode: BufferMode;
  storeTrace(traceData: TraceData): Promise<boolean>;
  getBufferedTraces(): Promise<BufferedTrace[]>;
  removeTrace(id: string): Promise<boolean>;
  getBufferStatus(): Promise<BufferStatus>;
  replay(): Promise<ReplayResult>;
  subscribe(listener: BufferListener): () => void;
  close(): Promise<void>;
}

export function openDemoBuffer(mode: BufferMode, onError: (error: TraceBufferError) => void): DemoBuffer {
  return mode === 'worker' ? connectWorkerBuffer(BUFFER_NAMES.worker, onError) : mainThreadBuffer(onError);
}

function mainThreadBuffer(onError: (error: TraceBufferError) => void): DemoBuffer {
  const buffer = createTraceBuffer({
    name: BUFFER_NAMES.main,
    storage: 'auto',
    maxBufferSize: DEMO_MAX_BUFFER_SIZE,
    send: sendBufferedTraces,
    onError,
  });
  return {
    mode: 'main',
    storeTrace: (traceData) => buffer.storeTrace(traceData),
    getBufferedTraces: () => buffer.getBufferedTraces(),
    removeTrace: (id) => buffer.removeTrace(id),
    getBufferStatus: () => buffer.getBufferStatus(),
    replay: () => buffer.replayBufferedTraces(DEMO_REPLAY_OPTIONS),
    subscribe: (listener) => buffer.subscribe(listener),
    close: () => buffer.close(),
  };
}
