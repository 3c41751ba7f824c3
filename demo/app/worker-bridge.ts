/**
 * The page's side of a trace buffer running in a dedicated worker, over a
 * small request/answer protocol on postMessage. Everything about the
 * protocol lives here and in buffer-worker.ts.
 */
import {
  TraceBufferError,
  type BufferEvent,
  type BufferListener,
  type TraceBufferErrorCode,
} from 'offline-trace-buffer';
import type { DemoBuffer } from './demo-buffer.js';

export type WorkerMethod = 'storeTrace' | 'getBufferedTraces' | 'removeTrace' | 'getBufferStatus' | 'replay' | 'close';

export interface WorkerRequest {
  id: number;
  method: WorkerMethod;
  args: unknown[];
}

/** Errors cross as plain fields: a postMessage'd Error loses its class and `code`. */
export interface WireError {
  code: string;
  message: string;
}

export type WorkerMessage =
  | { kind: 'answer'; id: number; ok: true; value: unknown }
  | { kind: 'answer'; id: number; ok: false; error: WireError }
  | { kind: 'event'; event: BufferEvent }
  | { kind: 'error'; error: WireError };

export interface WorkerSetup {
  name: string;
}

export function connectWorkerBuffer(name: string, onError: (error: TraceBufferError) => void): DemoBuffer {
  const worker = new Worker(new URL('./buffer-worker.ts', import.meta.url), { type: 'module', name });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<BufferListener>();
  let nextId = 1;

  worker.addEventListener('message', (message: MessageEvent<WorkerMessage>) => {
    const data = message.data;
    if (data.kind === 'event') {
      for (const listener of listeners) listener(data.event);
    } else if (data.kind === 'error') {
      onError(toError(data.error));
    } else {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) waiting?.resolve(data.value);
      else waiting?.reject(toError(data.error));
    }
  });
  worker.addEventListener('error', (event) => {
    const error = new TraceBufferError(
      'STORAGE_UNAVAILABLE',
      `The buffer worker failed: ${event.message || 'it did not start'}`,
    );
    onError(error);
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  });

  const call = <T>(method: WorkerMethod, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args } satisfies WorkerRequest);
    });

  // The worker learns its name first; every request after this one is queued behind it.
  worker.postMessage({ name } satisfies WorkerSetup);

  return {
    mode: 'worker',
    storeTrace: (traceData) => call('storeTrace', traceData),
    getBufferedTraces: () => call('getBufferedTraces'),
    removeTrace: (id) => call('removeTrace', id),
    getBufferStatus: () => call('getBufferStatus'),
    replay: () => call('replay'),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await call('close');
      worker.terminate();
    },
  };
}

function toError(wire: WireError): TraceBufferError {
  return new TraceBufferError(wire.code as TraceBufferErrorCode, wire.message);
}
