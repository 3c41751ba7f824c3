/**
 * Buffers that live in a test page between `page.evaluate` calls, so a test
 * can drive several tabs of one origin. Options are plain JSON; a collector
 * URL becomes a real `send` that posts to the test's HTTP collector.
 */
import {
  createTraceBuffer,
  deliveryError,
  parseRetryAfter,
  type BufferEvent,
  type SendFunction,
  type TraceBuffer,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';

export type JsonBufferOptions = Omit<TraceBufferOptions, 'send' | 'onError' | 'onEvent' | 'storage'> & {
  storage?: 'auto' | 'indexeddb' | 'memory';
  collectorUrl?: string;
};

/** Posts `[{ id, traceId }]` and turns an answer that is not 2xx into a typed delivery error. */
export function collectorSend(url: string): SendFunction {
  return async (traces, context) => {
    const signal = context?.signal;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(traces.map((t) => ({ id: t.id, traceId: t.traceData['inferenceId'] ?? t.id }))),
      ...(signal && { signal }),
    });
    if (!response.ok) {
      const init: Parameters<typeof deliveryError>[0] = { status: response.status };
      const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
      if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
      throw deliveryError(init);
    }
  };
}

export const pageBuffers = {
  buffers: new Map<string, TraceBuffer>(),
  events: [] as BufferEvent[],
  errors: [] as { code: string; message: string }[],

  open(key: string, options: JsonBufferOptions): void {
    const { collectorUrl, ...rest } = options;
    const full: TraceBufferOptions = {
      ...rest,
      onEvent: (event) => pageBuffers.events.push(event),
      onError: (error: TraceBufferError) => pageBuffers.errors.push({ code: error.code, message: error.message }),
    };
    if (collectorUrl) full.send = collectorSend(collectorUrl);
    pageBuffers.buffers.set(key, createTraceBuffer(full));
  },

  get(key: string): TraceBuffer {
    const buffer = pageBuffers.buffers.get(key);
    if (!buffer) throw new Error(`no buffer "${key}" in this page`);
    return buffer;
  },

  /**
   * Stores `count` traces in bursts of `burst`, yielding between bursts as a
   * real app would. `mixed`: outputs of 100 to 1,700 characters instead of 200.
   */
  async storeMany(key: string, count: number, burst: number, prefix: string, mixed = false): Promise<boolean[]> {
    const buffer = pageBuffers.get(key);
    const results: boolean[] = [];
    for (let start = 0; start < count; start += burst) {
      const size = Math.min(burst, count - start);
      const chunk = Array.from({ length: size }, (_, i) =>
        buffer.storeTrace({
          inferenceId: `${prefix}-${start + i}`,
          output: 'x'.repeat(mixed ? 100 + ((start + i) % 5) * 400 : 200),
        }),
      );
      results.push(...(await Promise.all(chunk)));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return results;
  },
};
