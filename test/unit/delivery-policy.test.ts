// What each answer of a real HTTP collector on 127.0.0.1 does to the buffered
// traces (issue 14): which answers pause delivery, which split a batch, which
// refuse a trace, and that nothing leaves that the server did not refuse on
// its own merits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTraceBuffer,
  type TraceBuffer,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';
import { classifyFailure } from '../../src/core/delivery.js';
import { TraceBufferOptionError } from '../../src/core/errors.js';
import { startCollector, type Collector } from '../support/collector.js';
import { collectorPost } from '../support/collector-send.js';

let collector: Collector;
const open: TraceBuffer[] = [];
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
  await collector.close();
});

function buffer(options: Partial<TraceBufferOptions>, errors: TraceBufferError[] = []): TraceBuffer {
  const made = createTraceBuffer({
    storage: 'memory',
    send: collectorPost(collector.url),
    onError: (error) => errors.push(error),
    ...options,
  });
  open.push(made);
  return made;
}

async function storeMany(target: TraceBuffer, count: number, prefix = 't'): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(ids.map((inferenceId) => target.storeTrace({ inferenceId, output: 'x' })));
  return ids;
}

/** The traceIds the collector accepted (it counts by buffer id). */
function deliveredTraceIds(names: Map<string, string>): string[] {
  return [...collector.deliveries.keys()].map((id) => names.get(id) ?? id).sort();
}

async function idMap(target: TraceBuffer): Promise<Map<string, string>> {
  return new Map((await target.getBufferedTraces()).map((t) => [t.id, t.traceData['inferenceId'] as string]));
}

const FAST = { startupDelayMs: 0, initialDelayMs: 20, maxDelayMs: 40 };

describe('answers that say nothing about the traces pause delivery', () => {
  for (const status of [401, 403, 404, 409]) {
    it(`${status}: every trace kept, status.blocked set, SEND_BLOCKED once across retries, attempts unchanged`, async () => {
      collector.setMode({ kind: 'fail', status });
      const errors: TraceBufferError[] = [];
      const target = buffer({ autoReplay: FAST, maxAttempts: 2 }, errors);
      await storeMany(target, 5);
      // Several timed retries, each answered `status`.
      await expect.poll(() => collector.requests, { timeout: 5_000 }).toBeGreaterThanOrEqual(4);
      const traces = await target.getBufferedTraces();
      expect(traces.map((t) => t.traceData['inferenceId']).sort()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4']);
      expect(traces.every((t) => t.attempts === 0)).toBe(true);
      const status_ = await target.getBufferStatus();
      expect(status_.blocked).toMatchObject({ status, since: expect.any(Number) as number });
      expect(Object.values(status_.dropped).reduce((a, b) => a + b, 0)).toBe(0);
      expect(errors.filter((e) => e.code === 'SEND_BLOCKED')).toHaveLength(1);
      expect(errors.filter((e) => e.code === 'SEND_FAILED')).toHaveLength(0);
      expect(collector.deliveries.size).toBe(0);
    });
  }

  it('a replay by hand stops at the block and reports the traces as blocked, not refused', async () => {
    collector.setMode({ kind: 'fail', status: 401 });
    const target = buffer({ autoReplay: false, replayBatchSize: 2, replayConcurrency: 1 });
    await storeMany(target, 6);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    // One request: the block stops the pass and is not retried within it.
    expect(collector.requests).toBe(1);
    expect(result.failedTraces).toHaveLength(2);
    expect(result.failedTraces.every((t) => t.blocked === true && t.retryable && t.attempts === 0)).toBe(true);
    expect(await target.getBufferedTraces()).toHaveLength(6);
  });

  it('401 for a while, then 200: every trace delivered exactly once, and the block cleared', async () => {
    collector.setMode({ kind: 'fail', status: 401 });
    const target = buffer({ autoReplay: FAST, replayBatchSize: 7 });
    await storeMany(target, 30);
    const names = await idMap(target);
    await expect.poll(() => collector.requests, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect((await target.getBufferStatus()).blocked?.status).toBe(401);
    collector.setMode({ kind: 'ok' });
    await expect.poll(() => collector.deliveries.size, { timeout: 5_000 }).toBe(30);
    expect([...collector.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(deliveredTraceIds(names)).toEqual([...names.values()].sort());
    const status = await target.getBufferStatus();
    expect(status.totalTraces).toBe(0);
    expect(status.blocked).toBeNull();
  });

  it('resume() after a 401 delivers at once, not when the backoff says', async () => {
    collector.setMode({ kind: 'fail', status: 401 });
    const errors: TraceBufferError[] = [];
    const target = buffer({ autoReplay: { startupDelayMs: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 } }, errors);
    await storeMany(target, 3);
    await expect.poll(() => collector.requests).toBe(1);
    expect((await target.getBufferStatus()).nextReplayAt).toBeGreaterThan(Date.now() + 30_000);
    collector.setMode({ kind: 'ok' });
    target.resume();
    await expect.poll(() => collector.deliveries.size).toBe(3);
    expect((await target.getBufferStatus()).blocked).toBeNull();
  });

  it('a network failure (fetch rejects with a TypeError) pauses too; an option error does not', async () => {
    const errors: TraceBufferError[] = [];
    await collector.close();
    const target = buffer({ autoReplay: false }, errors);
    await storeMany(target, 2);
    const result = await target.replayBufferedTraces({ maxRetries: 2 });
    expect(result.failedTraces.every((t) => t.blocked)).toBe(true);
    const status = await target.getBufferStatus();
    expect(status.blocked).toMatchObject({ reason: expect.any(String) as string });
    expect(status.blocked?.status).toBeUndefined();
    expect((await target.getBufferedTraces()).every((t) => t.attempts === 0)).toBe(true);
    collector = await startCollector();
    // Our own option errors are TypeErrors too, but carry a code: a bug, not a network.
    expect(classifyFailure(new TraceBufferOptionError('x', 1, 'nothing'))).toMatchObject({ blocked: false });
    expect(classifyFailure(new TypeError('Failed to fetch'))).toMatchObject({ blocked: true, retryable: true });
  });
});

describe('pause() and resume()', () => {
  it('pause stops sending (replay and publish), stores still buffer, resume delivers at once', async () => {
    const target = buffer({ autoReplay: { startupDelayMs: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    target.pause();
    await storeMany(target, 2);
    await expect(target.publish({ inferenceId: 'p-0' })).resolves.toBe('buffered');
    await expect(target.replayBufferedTraces()).resolves.toMatchObject({ skipped: 'paused', totalTraces: 0 });
    const status = await target.getBufferStatus();
    expect(status.paused).toBe(true);
    expect(status.totalTraces).toBe(3);
    expect(collector.requests).toBe(0);
    target.resume();
    await expect.poll(() => collector.deliveries.size).toBe(3);
    expect((await target.getBufferStatus()).paused).toBe(false);
  });
});
