/** Settings shared by the page's buffer and the worker's. */

export type BufferMode = 'main' | 'worker';

/** Buffer names per mode: each mode has its own storage, so switching can move traces across. */
export const BUFFER_NAMES: Record<BufferMode, string> = { main: 'demo-chat', worker: 'demo-chat-worker' };

/** Most traces the demo keeps; small enough that a user can see eviction by chatting a lot. */
export const DEMO_MAX_BUFFER_SIZE = 500;

/**
 * Replay attempts each batch once: the replay scheduler is the retry loop
 * (with backoff), so retrying at once inside a replay would only hammer a
 * collector that just said 503.
 */
export const DEMO_REPLAY_OPTIONS = { maxRetries: 1 } as const;
