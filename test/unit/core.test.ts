import { describe, expect, it } from 'vitest';
import { createTraceBuffer, isTraceBufferError, type StorageBackend, type TraceBufferError } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { randomUUID } from '../../src/platform/random-uuid.js';
import { llmTrace } from '../contract/fixtures.js';

/** A backend that records every call and can be told to fail. */
function recordingBackend(failures: { insert?: (call: number) => Error | undefined } = {}) {
  const inner = memoryBackend();
  const calls: { method: string; size?: number }[] = [];
  let inserts = 0;
  const backend: StorageBackend = {
    kind: 'recording',
    async insert(records, maxSize) {
      calls.push({ method: 'insert', size: records.length });
      const error = failures.insert?.(++inserts);
      if (error) throw error;
      return inner.insert(records, maxSize);
    },
    readOldest: (limit, after) => (calls.push({ method: 'readOldest' }), inner.readOldest(limit, after)),
    readAll: () => (calls.push({ method: 'readAll' }), inner.readAll()),
    remove: (ids) => (calls.push({ method: 'remove', size: ids.length }), inner.remove(ids)),
    update: (records) => (calls.push({ method: 'update', size: records.length }), inner.update(records)),
    stats: () => inner.stats(),
    clear: () => inner.clear(),
    close: () => inner.close(),
  };
  return { backend, calls };
}

function domError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

describe('group commit', () => {
  it('coalesces a burst of stores into one insert, each promise resolving after the commit', async () => {
    const { backend, calls } = recordingBackend();
    const buffer = createTraceBuffer({ storage: backend });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => buffer.storeTrace(llmTrace(i))));
    expect(results.every(Boolean)).toBe(true);
    const inserts = calls.filter((c) => c.method === 'insert');
    expect(inserts).toEqual([{ method: 'insert', size: 500 }]);
  });

  it('stores arriving while a commit runs join the next one, in order', async () => {
    const { backend, calls } = recordingBackend();
    const buffer = createTraceBuffer({ storage: backend });
    const first = buffer.storeTrace(llmTrace(0));
    await Promise.resolve();
    await Promise.resolve();
    const rest = Array.from({ length: 10 }, (_, i) => buffer.storeTrace(llmTrace(i + 1)));
    await Promise.all([first, ...rest]);
    expect(calls.filter((c) => c.method === 'insert').map((c) => c.size)).toEqual([1, 10]);
    const traces = await buffer.getBufferedTraces();
    expect(traces.map((t) => t.traceData['inferenceId'])).toEqual(
      Array.from({ length: 11 }, (_, i) => `inference-${i}`),
    );
  });
});

describe('storage failures never throw into the caller', () => {
  it('a failing insert resolves false, reports STORAGE_FAILED and counts the drop', async () => {
    const { backend } = recordingBackend({ insert: () => domError('UnknownError', 'disk on fire') });
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({ storage: backend, onError: (e) => errors.push(e) });
    await expect(buffer.storeTrace(llmTrace(1))).resolves.toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['STORAGE_FAILED']);
    expect(errors[0]?.message).toContain('disk on fire');
    const status = await buffer.getBufferStatus();
    expect(status.dropped.storage).toBe(1);
    expect(status.lastError?.code).toBe('STORAGE_FAILED');
  });

  it('out of quota: evicts as many oldest traces as it adds, retries once, and keeps the new trace', async () => {
    const { backend, calls } = recordingBackend({
      insert: (n) => (n === 3 ? domError('QuotaExceededError') : undefined),
    });
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({ storage: backend, onError: (e) => errors.push(e) });
    await buffer.storeTrace(llmTrace(1));
    await buffer.storeTrace(llmTrace(2));
    await expect(buffer.storeTrace(llmTrace(3))).resolves.toBe(true);
    const traces = await buffer.getBufferedTraces();
    expect(traces.map((t) => t.traceData['inferenceId'])).toEqual(['inference-2', 'inference-3']);
    expect(calls.filter((c) => c.method === 'insert')).toHaveLength(4);
    expect(errors.map((e) => e.code)).toEqual(['QUOTA_EXCEEDED']);
    expect((await buffer.getBufferStatus()).dropped.quota).toBe(1);
  });

  it('still out of quota after evicting: resolves false with reason quota', async () => {
    const { backend } = recordingBackend({ insert: (n) => (n > 1 ? domError('QuotaExceededError') : undefined) });
    const events: string[] = [];
    const buffer = createTraceBuffer({
      storage: backend,
      onEvent: (e) => events.push(e.type === 'dropped' ? `dropped:${e.reason}` : e.type),
    });
    await buffer.storeTrace(llmTrace(1));
    await expect(buffer.storeTrace(llmTrace(2))).resolves.toBe(false);
    expect(events).toEqual(['stored', 'dropped:quota', 'dropped:quota']);
  });

  it('when evicting freed nothing, later stores drop the new trace instead of evicting more old ones, until a store succeeds', async () => {
    let full = true;
    const { backend, calls } = recordingBackend({
      insert: (n) => (n > 3 && full ? domError('QuotaExceededError') : undefined),
    });
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({ storage: backend, onError: (e) => errors.push(e) });
    for (let i = 1; i <= 3; i++) await buffer.storeTrace(llmTrace(i));
    await expect(buffer.storeTrace(llmTrace(4))).resolves.toBe(false);
    await expect(buffer.storeTrace(llmTrace(5))).resolves.toBe(false);
    await expect(buffer.storeTrace(llmTrace(6))).resolves.toBe(false);
    // One oldest trace was evicted for the first refused store, none after it.
    expect(calls.filter((c) => c.method === 'remove')).toHaveLength(1);
    const kept = (await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId']);
    expect(kept).toEqual(['inference-2', 'inference-3']);
    const last = errors.at(-1);
    expect(last?.code).toBe('QUOTA_EXCEEDED');
    expect(last?.message).toContain('still out of quota');
    expect(last?.details?.['advice']).toContain('free disk space');
    full = false;
    await expect(buffer.storeTrace(llmTrace(7))).resolves.toBe(true);
    // Room again: the next full origin is met by evicting first again.
    full = true;
    await expect(buffer.storeTrace(llmTrace(8))).resolves.toBe(false);
    expect(calls.filter((c) => c.method === 'remove')).toHaveLength(2);
  });

  it('a replay in a full origin delivers and removes even though its lease and attempt writes are refused', async () => {
    const inner = memoryBackend();
    const backend: StorageBackend = {
      ...inner,
      kind: 'full',
      update: () => Promise.reject(Object.assign(new Error('full'), { name: 'QuotaExceededError' })),
    };
    const errors: TraceBufferError[] = [];
    const sent: string[] = [];
    const buffer = createTraceBuffer({
      storage: backend,
      autoReplay: false,
      onError: (e) => errors.push(e),
      send: (traces) => {
        if (sent.length >= 2) return Promise.reject(new Error('collector down'));
        sent.push(...traces.map((t) => t.id));
        return Promise.resolve();
      },
    });
    for (let i = 1; i <= 4; i++) await buffer.storeTrace(llmTrace(i));
    const result = await buffer.replayBufferedTraces({ batchSize: 2, maxRetries: 0 });
    expect(result).toMatchObject({ totalTraces: 4, successCount: 2, failureCount: 2 });
    expect((await buffer.getBufferStatus()).totalTraces).toBe(2);
    expect((await buffer.getBufferedTraces()).some((t) => sent.includes(t.id))).toBe(false);
    expect(errors.filter((e) => e.code === 'QUOTA_EXCEEDED')).toHaveLength(1);
  });

  it('a throwing onError is handed to the host, not lost and not thrown into storeTrace', async () => {
    const { backend } = recordingBackend({ insert: () => domError('UnknownError') });
    const reported: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => reported.push(args[1]);
    try {
      const buffer = createTraceBuffer({
        storage: backend,
        onError: () => {
          throw new Error('onError broke');
        },
      });
      await expect(buffer.storeTrace(llmTrace(1))).resolves.toBe(false);
    } finally {
      console.error = original;
    }
    expect(String(reported[0])).toContain('onError broke');
  });

  it("'indexeddb' where IndexedDB does not exist resolves false with STORAGE_UNAVAILABLE", async () => {
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({ storage: 'indexeddb', onError: (e) => errors.push(e) });
    await expect(buffer.storeTrace(llmTrace(1))).resolves.toBe(false);
    expect(errors[0]?.code).toBe('STORAGE_UNAVAILABLE');
    await expect(buffer.getBufferedTraces()).rejects.toSatisfy((e) => isTraceBufferError(e, 'STORAGE_UNAVAILABLE'));
  });
});

describe('auto in plain Node', () => {
  it('falls back to memory and says why', async () => {
    const buffer = createTraceBuffer();
    await buffer.storeTrace(llmTrace(1));
    const status = await buffer.getBufferStatus();
    expect(status.backend).toBe('memory');
    expect(status.persistent).toBe(false);
    expect(status.fallbackReason).toMatch(/IndexedDB is not available/);
    expect(status.totalTraces).toBe(1);
  });
});

describe('randomUUID', () => {
  it('builds a v4 UUID from getRandomValues outside secure contexts', () => {
    const insecure = { getRandomValues: (a: Uint8Array<ArrayBuffer>) => crypto.getRandomValues(a) };
    const ids = new Set(Array.from({ length: 1000 }, () => randomUUID(insecure)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('uses crypto.randomUUID where it exists', () => {
    expect(randomUUID({ getRandomValues: (a: Uint8Array<ArrayBuffer>) => a, randomUUID: () => 'a-b-c-d-e' })).toBe(
      'a-b-c-d-e',
    );
  });
});
