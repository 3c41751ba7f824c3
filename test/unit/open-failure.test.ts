import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceBufferError } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { resolveOptions } from '../../src/core/options.js';
import { createBufferCore, type TraceBuffer } from '../../src/core/trace-buffer.js';
import { randomUUID } from '../../src/platform/random-uuid.js';
import { llmTrace } from '../contract/fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A buffer whose storage opens only when `state.fail` is false, counting the tries. */
function bufferWithFlakyOpen(state: { fail: boolean; opens: number }, errors: TraceBufferError[]): TraceBuffer {
  return createBufferCore(
    resolveOptions({
      storage: 'indexeddb',
      autoReplay: false,
      onError: (error: TraceBufferError) => errors.push(error),
    }),
    {
      openBackend: () => {
        state.opens++;
        if (!state.fail) return Promise.resolve({ backend: memoryBackend(), fallbackReason: null });
        return Promise.reject(
          new TraceBufferError(
            'STORAGE_UNAVAILABLE',
            'IndexedDB database "offline-trace-buffer:x" cannot be opened (InvalidStateError: private window).',
          ),
        );
      },
      generateId: () => randomUUID(),
    },
  );
}

describe('storage that cannot open', () => {
  it('is reported once and not tried again by every call; calls within the backoff fail fast with the same error', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const state = { fail: true, opens: 0 };
    const errors: TraceBufferError[] = [];
    const buffer = bufferWithFlakyOpen(state, errors);
    await expect(buffer.storeTrace(llmTrace(1))).resolves.toBe(false);
    const first = await buffer.getBufferStatus();
    await buffer.getBufferStatus();
    await expect(buffer.storeTrace(llmTrace(2))).resolves.toBe(false);
    await expect(buffer.getBufferedTraces()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(buffer.removeTrace('some-id')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(state.opens).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['STORAGE_UNAVAILABLE']);
    expect(errors[0]?.message).toContain('InvalidStateError');
    expect(first.lastError?.code).toBe('STORAGE_UNAVAILABLE');
    const status = await buffer.getBufferStatus();
    expect(status.dropped.storage).toBe(2);

    // After the backoff one call tries again; the same failure is not reported again.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    await expect(buffer.storeTrace(llmTrace(3))).resolves.toBe(false);
    await buffer.getBufferStatus();
    expect(state.opens).toBe(2);
    expect(errors.map((e) => e.code)).toEqual(['STORAGE_UNAVAILABLE']);

    // A later try may succeed: the buffer recovers.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    state.fail = false;
    await expect(buffer.storeTrace(llmTrace(4))).resolves.toBe(true);
    expect(state.opens).toBe(3);
    expect((await buffer.getBufferStatus()).totalTraces).toBe(1);
    await buffer.close();
  });
});
