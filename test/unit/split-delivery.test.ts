// A batch refused whole is split (issue 14): a collector on 127.0.0.1 that
// caps a request's rows (413) or refuses any request holding a bad row (422)
// gets every good trace exactly once, and only a trace refused on its own is
// refused; a sender's per-row verdict is believed without splitting.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTraceBuffer,
  type BufferEvent,
  type TraceBuffer,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
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

interface Seen {
  errors: TraceBufferError[];
  rejected: string[];
}

function buffer(options: Partial<TraceBufferOptions>, seen: Seen = { errors: [], rejected: [] }): TraceBuffer {
  const made = createTraceBuffer({
    storage: 'memory',
    autoReplay: false,
    send: collectorPost(collector.url),
    replayBatchSize: 50,
    onError: (error) => seen.errors.push(error),
    onEvent: (event: BufferEvent) => {
      // Refused for good: kept as dead letters (dropped as rejected only with deadLetters: false).
      if (event.type === 'dead-lettered' || (event.type === 'dropped' && event.reason === 'rejected'))
        seen.rejected.push(...event.traces.map((t) => t.traceId));
    },
    ...options,
  });
  open.push(made);
  return made;
}

async function storeMany(target: TraceBuffer, count: number): Promise<Map<string, string>> {
  for (let i = 0; i < count; i++) await target.storeTrace({ inferenceId: `t-${i}`, output: 'x' });
  return new Map((await target.getBufferedTraces()).map((t) => [t.id, t.traceData['inferenceId'] as string]));
}

/** Each traceId the collector accepted, with how often. */
function delivered(names: Map<string, string>): Map<string, number> {
  return new Map([...collector.deliveries].map(([id, n]) => [names.get(id) ?? id, n]));
}

const traceIds = (from: number, to: number, skip: string[] = []): string[] =>
  Array.from({ length: to - from }, (_, i) => `t-${from + i}`).filter((id) => !skip.includes(id));

describe('413: split, never drop', () => {
  it('a collector capping requests at 10 rows gets all 50 traces once, in 15 requests, with nothing dropped', async () => {
    collector.setMode({ kind: 'maxRows', maxRows: 10 });
    const seen: Seen = { errors: [], rejected: [] };
    const target = buffer({}, seen);
    const names = await storeMany(target, 50);
    const result = await target.replayBufferedTraces({ maxRetries: 1 });
    expect(result).toMatchObject({ totalTraces: 50, successCount: 50, failureCount: 0 });
    const got = delivered(names);
    expect([...got.keys()].sort()).toEqual(traceIds(0, 50).sort());
    expect([...got.values()].every((n) => n === 1)).toBe(true);
    // 50 → 25+25 → 13+12+13+12 → eight pieces of 6 or 7, each accepted: 1 + 2 + 4 + 8.
    expect(collector.requests).toBe(15);
    expect(seen.errors).toEqual([]);
    expect((await target.getBufferStatus()).totalTraces).toBe(0);
  });

  it('only a single trace that is itself answered 413 is refused, with status 413; the rest go once', async () => {
    collector.setMode({ kind: 'refuseRows', status: 413, traceIds: ['t-6'] });
    const seen: Seen = { errors: [], rejected: [] };
    const target = buffer({}, seen);
    const names = await storeMany(target, 8);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    expect(result.failedTraces).toMatchObject([{ traceId: 't-6', retryable: false }]);
    expect([...delivered(names).keys()].sort()).toEqual(traceIds(0, 8, ['t-6']).sort());
    expect([...collector.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(seen.rejected).toEqual(['t-6']);
    expect(seen.errors.find((e) => e.code === 'SEND_FAILED')?.details).toMatchObject({ status: 413, retryable: false });
    expect((await target.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual([]);
    const deadLetters = await target.getDeadLetters();
    expect(deadLetters.map((t) => [t.traceData['inferenceId'], t.deadLetter.status])).toEqual([['t-6', 413]]);
  });

  it('publish of one trace answered 413 still buffers it, in one request (as Openlayer does)', async () => {
    collector.setMode({ kind: 'maxRows', maxRows: 0 });
    const target = buffer({});
    await expect(target.publish({ inferenceId: 'big' })).resolves.toBe('buffered');
    expect(collector.requests).toBe(1);
    expect((await target.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual(['big']);
    expect((await target.getBufferStatus()).dropped.rejected).toBe(0);
  });
});

describe('a batch refused whole is bisected before any trace is judged', () => {
  it('422 for one bad row among 50: the 49 others delivered once, only it refused, in at most 1 + 2·⌈log2 50⌉ requests', async () => {
    collector.setMode({ kind: 'refuseRows', status: 422, traceIds: ['t-17'] });
    const seen: Seen = { errors: [], rejected: [] };
    const target = buffer({}, seen);
    const names = await storeMany(target, 50);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    expect(result).toMatchObject({ totalTraces: 50, successCount: 49, failureCount: 1 });
    expect(result.failedTraces).toMatchObject([{ traceId: 't-17', retryable: false, attempts: 1 }]);
    const got = delivered(names);
    expect([...got.keys()].sort()).toEqual(traceIds(0, 50, ['t-17']).sort());
    expect([...got.values()].every((n) => n === 1)).toBe(true);
    expect(seen.rejected).toEqual(['t-17']);
    expect(collector.requests).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(50)));
    expect(collector.requests).toBeGreaterThan(1);
    const status = await target.getBufferStatus();
    expect(status.totalTraces).toBe(0);
    expect(status.deadLetters).toBe(1);
    expect(status.dropped.rejected).toBe(0);
    const deadLetters = await target.getDeadLetters();
    expect(deadLetters.map((t) => [t.traceData['inferenceId'], t.deadLetter.status])).toEqual([['t-17', 422]]);
    expect(deadLetters[0]!.deadLetter.message).toContain('a row is invalid');
  });

  it('422 for two bad rows: both refused, the 48 others delivered once, in at most 1 + 4·⌈log2 50⌉ requests', async () => {
    collector.setMode({ kind: 'refuseRows', status: 422, traceIds: ['t-3', 't-41'] });
    const seen: Seen = { errors: [], rejected: [] };
    const target = buffer({}, seen);
    const names = await storeMany(target, 50);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    expect(result.failedTraces.map((t) => t.traceId).sort()).toEqual(['t-3', 't-41']);
    expect(result.failedTraces.every((t) => !t.retryable)).toBe(true);
    const got = delivered(names);
    expect([...got.keys()].sort()).toEqual(traceIds(0, 50, ['t-3', 't-41']).sort());
    expect([...got.values()].every((n) => n === 1)).toBe(true);
    expect(seen.rejected.sort()).toEqual(['t-3', 't-41']);
    expect((await target.getDeadLetters()).map((t) => t.traceData['inferenceId']).sort()).toEqual(['t-3', 't-41']);
    expect(collector.requests).toBeLessThanOrEqual(1 + 4 * Math.ceil(Math.log2(50)));
  });

  it('a sender that returns a per-row verdict is believed: no split, one request', async () => {
    collector.setMode({ kind: 'refuseRows', status: 422, traceIds: ['t-1'] });
    const send = collectorPost(collector.url);
    const target = buffer({
      // Knows which row is bad without asking again (as a collector that names refused rows).
      send: async (traces, context) => {
        try {
          await send(traces, context);
          return undefined;
        } catch {
          const bad = traces.filter((t) => t.traceData['inferenceId'] === 't-1');
          return { failed: bad.map((t) => ({ id: t.id, reason: 'bad row', retryable: false, status: 422 })) };
        }
      },
    });
    await storeMany(target, 6);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    expect(collector.requests).toBe(1);
    expect(result.failedTraces).toMatchObject([{ traceId: 't-1', retryable: false }]);
    // The verdict said the others went; this collector in fact took none: the sender's word is the one kept.
    expect(result.successCount).toBe(5);
  });

  it('retryable (500) and blocked (401) answers are not bisected: every trace kept, one request per attempt', async () => {
    for (const status of [500, 401]) {
      collector.setMode({ kind: 'fail', status });
      const seen = collector.requests;
      const target = buffer({});
      await storeMany(target, 8);
      const result = await target.replayBufferedTraces({ maxRetries: 1 });
      expect(collector.requests - seen).toBe(1);
      expect(result.failedTraces.every((t) => t.retryable)).toBe(true);
      expect(await target.getBufferedTraces()).toHaveLength(8);
    }
  });

  it('close() during a split stops it: the parts not sent again stay buffered, no attempt counted', async () => {
    collector.setMode({ kind: 'refuseRows', status: 422, traceIds: ['t-0'] });
    const storage = memoryBackend();
    const send = collectorPost(collector.url);
    let calls = 0;
    let closed: Promise<void> | undefined;
    const target: TraceBuffer = createTraceBuffer({
      storage,
      autoReplay: false,
      replayBatchSize: 8,
      send: (traces, context) => {
        // The whole batch is refused; the buffer closes as its first half goes.
        if (++calls === 2) closed = target.close();
        return send(traces, context);
      },
    });
    await storeMany(target, 8);
    await target.replayBufferedTraces({ maxRetries: 3 });
    await closed;
    expect(calls).toBe(2);
    expect(collector.deliveries.size).toBe(0);
    const { records } = await storage.readAll();
    expect(records.map((r) => r.traceId).sort()).toEqual(traceIds(0, 8).sort());
    expect(records.every((r) => r.attempts === 0)).toBe(true);
  });
});

describe('retries within a replay', () => {
  it('send again only what failed retryably: a trace an attempt delivered is not sent twice', async () => {
    const sent: string[] = [];
    let first = true;
    const target = buffer({
      send: (traces) => {
        sent.push(...traces.map((t) => t.traceData['inferenceId'] as string));
        const failed = first ? [{ id: traces[1]!.id, reason: 'busy', retryable: true, status: 503 }] : [];
        first = false;
        return Promise.resolve({ failed });
      },
    });
    await storeMany(target, 3);
    const result = await target.replayBufferedTraces({ maxRetries: 3 });
    expect(result).toMatchObject({ successCount: 3, failureCount: 0 });
    expect(sent).toEqual(['t-0', 't-1', 't-2', 't-1']);
  });
});
