/** Settings shared by the page's buffer and the worker's. */
import type { AutoReplayOptions, TraceBufferError, TraceBufferOptions } from 'offline-trace-buffer';
import { sendBufferedTraces } from './collector-client.js';

export type BufferMode = 'main' | 'worker';

/** Buffer names per mode: each mode has its own storage, so switching can move traces across. */
export const BUFFER_NAMES: Record<BufferMode, string> = { main: 'demo-chat', worker: 'demo-chat-worker' };

/** Most traces the demo keeps; small enough that a user can see eviction by chatting a lot. */
export const DEMO_MAX_BUFFER_SIZE = 500;

/**
 * Shorter than the library's defaults so a visitor sees replay happen: a
 * quick first try after load, and a backoff capped at a minute, not five.
 */
export const DEMO_AUTO_REPLAY: Required<AutoReplayOptions> = {
  startupDelayMs: 500,
  initialDelayMs: 5_000,
  maxDelayMs: 60_000,
};

/**
 * Replay now attempts each batch once: the automatic replay is the retry loop
 * (with backoff), so retrying at once would only hammer a collector that just said 503.
 */
export const DEMO_REPLAY_OPTIONS = { maxRetries: 1 } as const;

export function demoBufferOptions(mode: BufferMode, onError: (error: TraceBufferError) => void): TraceBufferOptions {
  return {
    name: BUFFER_NAMES[mode],
    // In the worker this picks OPFS (sync access handles), in the page IndexedDB.
    storage: 'auto',
    maxBufferSize: DEMO_MAX_BUFFER_SIZE,
    send: sendBufferedTraces,
    autoReplay: DEMO_AUTO_REPLAY,
    onError,
  };
}
