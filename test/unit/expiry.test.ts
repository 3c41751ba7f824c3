import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTraceBuffer, type BufferEvent, type StorageBackend } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { llmTrace } from '../contract/fixtures.js';

const HOUR = 3_600_000;

/** A memory backend that counts its reads, to see that a sweep reads in batches. */
function countingBackend(): { backend: StorageBackend; reads: number[] } {
  const inner = memoryBackend();
  const reads: number[] = [];
  const backend: StorageBackend = {
    kind: 'counting',
    insert: (records, max) => inner.insert(records, max),
    readOldest: (limit, after) => (reads.push(limit), inner.readOldest(limit, after)),
    readAll: () => inner.readAll(),
    remove: (ids) => inner.remove(ids),
    update: (records) => inner.update(records),
    stats: () => inner.stats(),
    clear: () => inner.clear(),
    close: () => inner.close(),
  };
  return { backend, reads };
}

function expiredIds(events: BufferEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'dropped' && e.reason === 'expired' ? e.traces.map((t) => t.traceId) : []));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('maxAgeMs', () => {
  it('a replay never sends a trace older than maxAgeMs, and drops it with reason expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const events: BufferEvent[] = [];
    const sent: string[] = [];
    const buffer = createTraceBuffer({
      storage: memoryBackend(),
      maxAgeMs: 24 * HOUR,
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 3; i++) await buffer.storeTrace(llmTrace(i));
    vi.setSystemTime(Date.now() + 23 * HOUR);
    await buffer.storeTrace(llmTrace(3));
    vi.setSystemTime(Date.now() + 2 * HOUR);
    const result = await buffer.replayBufferedTraces({
      send: (traces) => {
        sent.push(...traces.map((t) => t.traceData['inferenceId'] as string));
        return Promise.resolve();
      },
    });
    expect(sent).toEqual(['inference-3']);
    expect(result.successCount).toBe(1);
    expect(expiredIds(events).sort()).toEqual(['inference-0', 'inference-1', 'inference-2']);
    const status = await buffer.getBufferStatus();
    expect(status.totalTraces).toBe(0);
    expect(status.dropped.expired).toBe(3);
    await buffer.close();
  });

  it('the next store drops what expired, and keeps what did not', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const storage = memoryBackend();
    const events: BufferEvent[] = [];
    const buffer = createTraceBuffer({ storage, maxAgeMs: HOUR, onEvent: (e) => events.push(e) });
    await buffer.storeTrace(llmTrace(0));
    await buffer.storeTrace(llmTrace(1));
    vi.setSystemTime(Date.now() + 2 * HOUR);
    await buffer.storeTrace(llmTrace(2));
    await vi.waitFor(() => expect(expiredIds(events)).toHaveLength(2));
    const kept = await buffer.getBufferedTraces();
    expect(kept.map((t) => t.traceData['inferenceId'])).toEqual(['inference-2']);
    await buffer.close();
  });

  it('the status drops expired traces before counting, found by a buffer opened later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const storage = memoryBackend();
    const writer = createTraceBuffer({ storage });
    await writer.storeTrace(llmTrace(0));
    await writer.close();
    vi.setSystemTime(Date.now() + 8 * 24 * HOUR);
    const reader = createTraceBuffer({ storage, maxAgeMs: 7 * 24 * HOUR });
    const status = await reader.getBufferStatus();
    expect(status.totalTraces).toBe(0);
    expect(status.dropped.expired).toBe(1);
    await reader.close();
  });

  it('drops a large backlog in bounded reads, not one read of everything', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { backend, reads } = countingBackend();
    const buffer = createTraceBuffer({ storage: backend, maxBufferSize: 5_000, maxAgeMs: HOUR });
    await Promise.all(Array.from({ length: 1_200 }, (_, i) => buffer.storeTrace(llmTrace(i))));
    await buffer.flush();
    vi.setSystemTime(Date.now() + 2 * HOUR);
    reads.length = 0;
    const status = await buffer.getBufferStatus();
    expect(status.dropped.expired).toBe(1_200);
    expect(status.totalTraces).toBe(0);
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...reads)).toBeLessThanOrEqual(500);
    await buffer.close();
  });

  it('without maxAgeMs nothing expires, however old', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const buffer = createTraceBuffer({ storage: memoryBackend() });
    await buffer.storeTrace(llmTrace(0));
    vi.setSystemTime(Date.now() + 365 * 24 * HOUR);
    await buffer.storeTrace(llmTrace(1));
    const status = await buffer.getBufferStatus();
    expect(status.totalTraces).toBe(2);
    expect(status.dropped.expired).toBe(0);
    await buffer.close();
  });

  it('refuses a maxAgeMs that is not a whole number of ms at once', () => {
    for (const bad of [0, -1, 1.5, '7d', null]) {
      expect(() => createTraceBuffer({ maxAgeMs: bad as number })).toThrow(/maxAgeMs/);
    }
    expect(() => createTraceBuffer({ persist: 'yes' as unknown as boolean })).toThrow(/persist/);
  });
});
