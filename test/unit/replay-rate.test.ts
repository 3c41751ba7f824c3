// `replayRate` (issue 14): a replay after a long outage drains at a steady
// pace. The clock is Vitest's fake one, so these count the sends made before
// and after the rate's wait runs out rather than measure time on a busy machine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTraceBuffer, type SendFunction, type TraceBuffer, type TraceBufferOptions } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { TraceBufferOptionError } from '../../src/core/errors.js';

const open: TraceBuffer[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

/** A send that accepts everything and records each batch's traceIds. */
function recording(): { send: SendFunction; batches: string[][] } {
  const batches: string[][] = [];
  const send: SendFunction = (traces) => {
    batches.push(traces.map((t) => t.traceData['inferenceId'] as string));
    return Promise.resolve();
  };
  return { send, batches };
}

function buffer(options: Partial<TraceBufferOptions>): TraceBuffer {
  const made = createTraceBuffer({ storage: 'memory', autoReplay: false, replayBatchSize: 2, ...options });
  open.push(made);
  return made;
}

async function storeMany(target: TraceBuffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await target.storeTrace({ inferenceId: `t-${i}`, output: 'x' });
  // The clock stands still: a replay takes the traces stored before the millisecond it began.
  await vi.advanceTimersByTimeAsync(1);
}

describe('replayRate', () => {
  it('tracesPerSecond: 2 with batches of 2 sends one batch per second, the first at once', async () => {
    const { send, batches } = recording();
    const target = buffer({ send, replayRate: { tracesPerSecond: 2 } });
    await storeMany(target, 6);
    const replay = target.replayBufferedTraces();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(replay).resolves.toMatchObject({ totalTraces: 6, successCount: 6 });
    expect(batches).toEqual([
      ['t-0', 't-1'],
      ['t-2', 't-3'],
      ['t-4', 't-5'],
    ]);
  });

  it('bytesPerSecond: a batch waits for the bytes the one before it sent', async () => {
    const { send, batches } = recording();
    const storage = memoryBackend();
    await storeMany(buffer({ storage, autoReplay: false }), 4);
    const { records } = await storage.readAll();
    const batchBytes = records[0]!.sizeBytes + records[1]!.sizeBytes;
    // Two seconds per batch of two.
    const target = buffer({ storage, send, replayRate: { bytesPerSecond: batchBytes / 2 } });
    const replay = target.replayBufferedTraces();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(2);
    await expect(replay).resolves.toMatchObject({ successCount: 4 });
  });

  it('a batch larger than one second allows still goes, alone, and the next waits its share', async () => {
    const { send, batches } = recording();
    const target = buffer({ send, replayBatchSize: 5, replayConcurrency: 2, replayRate: { tracesPerSecond: 1 } });
    await storeMany(target, 10);
    const replay = target.replayBufferedTraces();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(batches.map((b) => b.length)).toEqual([5]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.length)).toEqual([5, 5]);
    await expect(replay).resolves.toMatchObject({ successCount: 10 });
  });

  it('paces automatic replays too, across passes', async () => {
    const { send, batches } = recording();
    const target = buffer({
      send,
      autoReplay: { startupDelayMs: 0, initialDelayMs: 10, maxDelayMs: 10 },
      replayRate: { tracesPerSecond: 2 },
    });
    await storeMany(target, 4);
    await vi.advanceTimersByTimeAsync(10);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(980);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(batches).toHaveLength(2);
  });

  it('close() does not wait for the pace: the traces not sent stay buffered', async () => {
    const { send, batches } = recording();
    const storage = memoryBackend();
    const target = createTraceBuffer({
      storage,
      send,
      autoReplay: false,
      replayBatchSize: 2,
      replayRate: { tracesPerSecond: 0.01 },
    });
    await storeMany(target, 6);
    const replay = target.replayBufferedTraces();
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);
    // Resolves with the clock still: the 200 s wait is cut short.
    await target.close();
    await expect(replay).resolves.toMatchObject({ successCount: 2 });
    const { records } = await storage.readAll();
    expect(records.map((r) => r.traceId).sort()).toEqual(['t-2', 't-3', 't-4', 't-5']);
  });

  it('is validated at once: an object with tracesPerSecond and/or bytesPerSecond above 0', () => {
    for (const bad of [
      5,
      'fast',
      null,
      [],
      {},
      { tracesPerSecond: 0 },
      { bytesPerSecond: -1 },
      { tracesPerSecond: NaN },
    ]) {
      expect(() => createTraceBuffer({ storage: 'memory', replayRate: bad as never })).toThrow(TraceBufferOptionError);
    }
    expect(() => createTraceBuffer({ storage: 'memory', replayRate: { tracesPerSecond: Infinity } })).toThrow(
      /replayRate\.tracesPerSecond/,
    );
    expect(() => createTraceBuffer({ storage: 'memory', replayRate: { perSecond: 1 } as never })).toThrow(
      /replayRate\.perSecond/,
    );
    open.push(createTraceBuffer({ storage: 'memory', replayRate: { tracesPerSecond: 0.5, bytesPerSecond: 1e6 } }));
  });
});
