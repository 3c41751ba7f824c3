import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTraceBuffer,
  deliveryError,
  type BufferEvent,
  type BufferedTrace,
  type StorageBackend,
  type TraceBuffer,
  type TraceBufferError,
} from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { resolveOptions, type CoreOptions as TraceBufferOptions } from '../../src/core/options.js';
import { ISOLATE_AFTER_ATTEMPTS } from '../../src/core/claim-batch.js';
import { createBufferCore, type CorePlatform } from '../../src/core/trace-buffer.js';
import { randomUUID } from '../../src/platform/random-uuid.js';
import { llmTrace, storedTrace } from '../contract/fixtures.js';

const open: TraceBuffer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

/** A core on a given platform, so tests can play offline, locks and other tabs. */
function core(options: TraceBufferOptions, platform: Partial<CorePlatform> = {}): TraceBuffer {
  const buffer = createBufferCore(resolveOptions(options), {
    openBackend: () =>
      Promise.resolve({
        backend: typeof options.storage === 'object' ? options.storage : memoryBackend(),
        fallbackReason: null,
      }),
    generateId: () => randomUUID(),
    ...platform,
  });
  open.push(buffer);
  return buffer;
}

/** An in-process stand-in for navigator.locks with the same ifAvailable semantics. */
function inProcessLocks(): Pick<CorePlatform, 'withLock' | 'locksAvailable'> {
  const held = new Set<string>();
  return {
    locksAvailable: true,
    async withLock(name, fn, options) {
      if (held.has(name)) {
        if (options?.ifAvailable) return undefined;
        throw new Error('this fake only supports ifAvailable');
      }
      held.add(name);
      try {
        return await fn();
      } finally {
        held.delete(name);
      }
    },
  };
}

const ids = (traces: BufferedTrace[]): unknown[] => traces.map((t) => t.traceData['inferenceId']);

describe('failure classification', () => {
  it('a 400 drops the batch with reason rejected; a 503 keeps it and counts the attempt', async () => {
    const events: BufferEvent[] = [];
    let status = 503;
    const buffer = core({
      autoReplay: false,
      onEvent: (e) => events.push(e),
      send: () => Promise.reject(deliveryError({ status })),
    });
    await buffer.storeTrace(llmTrace(1));
    const first = await buffer.replayBufferedTraces({ maxRetries: 1 });
    expect(first.failedTraces[0]).toMatchObject({ traceId: 'inference-1', retryable: true, attempts: 1 });
    expect(await buffer.getBufferedTraces()).toHaveLength(1);
    status = 400;
    const second = await buffer.replayBufferedTraces({ maxRetries: 3 });
    expect(second.failedTraces[0]).toMatchObject({ retryable: false, attempts: 2 });
    expect(await buffer.getBufferedTraces()).toHaveLength(0);
    const dropped = events.find((e) => e.type === 'dropped');
    expect(dropped).toMatchObject({ type: 'dropped', reason: 'rejected', traces: [{ traceId: 'inference-1' }] });
    expect((await buffer.getBufferStatus()).dropped.rejected).toBe(1);
  });

  it('a non-retryable failure is not retried within one replay', async () => {
    let calls = 0;
    const buffer = core({
      autoReplay: false,
      send: () => (calls++, Promise.reject(deliveryError({ status: 422 }))),
    });
    await buffer.storeTrace(llmTrace(1));
    await buffer.replayBufferedTraces({ maxRetries: 5 });
    expect(calls).toBe(1);
  });

  it('a partial SendResult removes the delivered traces and keeps the failed ones', async () => {
    const buffer = core({
      autoReplay: false,
      send: (traces) =>
        Promise.resolve({ failed: [{ id: traces[1]!.id, reason: 'pipeline busy', retryable: true, status: 503 }] }),
    });
    for (let i = 1; i <= 3; i++) await buffer.storeTrace(llmTrace(i));
    const result = await buffer.replayBufferedTraces();
    expect(result).toMatchObject({ successCount: 2, failureCount: 1 });
    expect(ids(await buffer.getBufferedTraces())).toEqual(['inference-2']);
  });

  it('attempts made while known offline do not use up the retry budget', async () => {
    let offline = true;
    const buffer = core(
      { autoReplay: false, maxAttempts: 2, send: () => Promise.reject(deliveryError({ status: 503 })) },
      { isKnownOffline: () => offline },
    );
    await buffer.storeTrace(llmTrace(1));
    for (let i = 0; i < 5; i++) await buffer.replayBufferedTraces({ maxRetries: 1 });
    expect((await buffer.getBufferedTraces())[0]?.attempts).toBe(0);
    offline = false;
    await buffer.replayBufferedTraces({ maxRetries: 1 });
    expect((await buffer.getBufferedTraces())[0]?.attempts).toBe(1);
    await buffer.replayBufferedTraces({ maxRetries: 1 });
    expect(await buffer.getBufferedTraces()).toHaveLength(0);
    expect((await buffer.getBufferStatus()).dropped.exhausted).toBe(1);
  });

  it(`a trace that failed ${ISOLATE_AFTER_ATTEMPTS} times is sent alone, so it cannot block the others`, async () => {
    const batches: unknown[][] = [];
    const buffer = core({
      autoReplay: false,
      send: (traces) => {
        batches.push(ids(traces));
        return traces.some((t) => t.traceData['inferenceId'] === 'inference-1')
          ? Promise.reject(deliveryError({ status: 500 }))
          : Promise.resolve();
      },
    });
    await buffer.storeTrace(llmTrace(1));
    for (let i = 0; i < ISOLATE_AFTER_ATTEMPTS; i++) await buffer.replayBufferedTraces({ maxRetries: 1 });
    await buffer.storeTrace(llmTrace(2));
    await buffer.storeTrace(llmTrace(3));
    batches.length = 0;
    await buffer.replayBufferedTraces({ maxRetries: 1 });
    expect(batches).toEqual([['inference-1'], ['inference-2', 'inference-3']]);
    expect(ids(await buffer.getBufferedTraces())).toEqual(['inference-1']);
  });
});

describe('one replayer per origin, leases', () => {
  it('with Web Locks, a second tab replaying at the same time skips and nothing is sent twice', async () => {
    const shared = memoryBackend();
    const locks = inProcessLocks();
    const sent: string[] = [];
    const send = async (traces: BufferedTrace[]) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      sent.push(...traces.map((t) => t.id));
    };
    const a = core({ storage: shared, autoReplay: false, send, replayBatchSize: 2 }, locks);
    const b = core({ storage: shared, autoReplay: false, send, replayBatchSize: 2 }, locks);
    for (let i = 0; i < 6; i++) await a.storeTrace(llmTrace(i));
    const [ra, rb] = await Promise.all([a.replayBufferedTraces(), b.replayBufferedTraces()]);
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
    expect(rb.skipped).toBe('replaying-elsewhere');
    expect(ra.successCount).toBe(6);
    expect((await b.getBufferStatus()).lastReplay?.skipped).toBe(true);
  });

  it('without Web Locks, a batch leased by another replayer is left alone until its lease expires', async () => {
    const shared = memoryBackend();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sentByB: string[] = [];
    const a = core({ storage: shared, autoReplay: false, leaseMs: 200, send: () => held });
    const b = core({
      storage: shared,
      autoReplay: false,
      send: (traces) => (sentByB.push(...traces.map((t) => t.id)), Promise.resolve()),
    });
    await a.storeTrace(llmTrace(1));
    const aReplay = a.replayBufferedTraces();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [leased] = (await shared.readAll()).records;
    expect(leased?.lease?.expiresAt).toBeGreaterThan(Date.now());
    expect((await b.replayBufferedTraces()).totalTraces).toBe(0);
    expect(sentByB).toHaveLength(0);
    // A dies (never answers); once its lease expired, B takes the trace over.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await b.replayBufferedTraces()).successCount).toBe(1);
    expect(sentByB).toEqual([leased!.id]);
    release();
    await aReplay;
    expect((await b.getBufferStatus()).coordination.locks).toBe(false);
  });

  it('with Web Locks, the lock holder takes over a dead replayer’s lease at once', async () => {
    const shared = memoryBackend();
    const locks = inProcessLocks();
    const b = core({ storage: shared, autoReplay: false, send: () => Promise.resolve() }, locks);
    await b.storeTrace(llmTrace(1));
    const [record] = (await shared.readAll()).records;
    // A tab that died mid-send left its lease behind (and released its lock by dying).
    await shared.update([{ ...record!, lease: { owner: 'dead-tab', expiresAt: Date.now() + 60_000 } }]);
    expect((await b.replayBufferedTraces()).successCount).toBe(1);
  });
});

describe('replay under the origin lock', () => {
  it('sends replayConcurrency batches at once, reads the next one meanwhile, and writes no lease', async () => {
    const shared = memoryBackend();
    const log: string[] = [];
    const watched: StorageBackend = {
      ...shared,
      readOldest: (limit, after) => {
        log.push('read');
        return shared.readOldest(limit, after);
      },
      update: (records) => {
        log.push('update');
        return shared.update(records);
      },
    };
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const sent: unknown[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const buffer = core(
      {
        storage: watched,
        autoReplay: false,
        replayBatchSize: 2,
        send: async (traces) => {
          sent.push(ids(traces));
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          if (sent.length === 1) await firstHeld;
          inFlight--;
        },
      },
      inProcessLocks(),
    );
    for (let i = 0; i < 7; i++) await buffer.storeTrace(llmTrace(i));
    const replay = buffer.replayBufferedTraces();
    // Two batches out (the default concurrency) and the third read already, while the first send is held.
    await vi.waitFor(() => expect(log.filter((step) => step === 'read').length).toBeGreaterThanOrEqual(3));
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    releaseFirst();
    const result = await replay;
    expect(result.successCount).toBe(7);
    expect(mostInFlight).toBe(2);
    expect(sent).toEqual([
      ['inference-0', 'inference-1'],
      ['inference-2', 'inference-3'],
      ['inference-4', 'inference-5'],
      ['inference-6'],
    ]);
    expect(log).not.toContain('update');
  });

  it('with replayConcurrency 1, sends one batch at a time', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const buffer = core(
      {
        autoReplay: false,
        replayBatchSize: 1,
        replayConcurrency: 1,
        send: async () => {
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight--;
        },
      },
      inProcessLocks(),
    );
    for (let i = 0; i < 4; i++) await buffer.storeTrace(llmTrace(i));
    expect((await buffer.replayBufferedTraces()).successCount).toBe(4);
    expect(mostInFlight).toBe(1);
  });

  it('removes a delivered batch while the next one is being sent, never before its own send resolved', async () => {
    const shared = memoryBackend();
    const log: string[] = [];
    let releaseRemove: () => void = () => undefined;
    const removeHeld = new Promise<void>((resolve) => (releaseRemove = resolve));
    const watched: StorageBackend = {
      ...shared,
      remove: async (removeIds) => {
        log.push(`remove ${removeIds.length}`);
        if (log.filter((step) => step.startsWith('remove')).length === 1) await removeHeld;
        return shared.remove(removeIds);
      },
    };
    const buffer = core(
      {
        storage: watched,
        autoReplay: false,
        replayBatchSize: 2,
        replayConcurrency: 1,
        send: (traces) => {
          log.push(`send ${traces.length}`);
          return Promise.resolve();
        },
      },
      inProcessLocks(),
    );
    for (let i = 0; i < 4; i++) await buffer.storeTrace(llmTrace(i));
    const replay = buffer.replayBufferedTraces();
    // The second batch goes out while the first one's removal is still held.
    await vi.waitFor(() => expect(log).toEqual(['send 2', 'remove 2', 'send 2']));
    releaseRemove();
    expect((await replay).successCount).toBe(4);
    expect(log).toEqual(['send 2', 'remove 2', 'send 2', 'remove 2']);
    expect((await shared.readAll()).records).toHaveLength(0);
  });

  it('leaves a batch read ahead untouched when an automatic pass stops at a retryable failure', async () => {
    const shared = memoryBackend();
    for (let i = 0; i < 6; i++) await shared.insert([storedTrace(i)], 100);
    const sent: unknown[][] = [];
    const buffer = core(
      {
        storage: shared,
        replayBatchSize: 2,
        autoReplay: { startupDelayMs: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 },
        send: (traces) => {
          sent.push(ids(traces));
          return Promise.reject(deliveryError({ status: 503 }));
        },
      },
      inProcessLocks(),
    );
    await vi.waitFor(async () => expect((await buffer.getBufferStatus()).lastReplay).not.toBeNull());
    // The two batches in flight failed and were settled; the third, read ahead, was never sent.
    expect(sent).toEqual([
      ['inference-0', 'inference-1'],
      ['inference-2', 'inference-3'],
    ]);
    const left = (await shared.readAll()).records;
    expect(left.map((r) => [r.traceId, r.attempts, r.lease ?? null])).toEqual([
      ['inference-0', 1, null],
      ['inference-1', 1, null],
      ['inference-2', 1, null],
      ['inference-3', 1, null],
      ['inference-4', 0, null],
      ['inference-5', 0, null],
    ]);
  });
});

describe('notifications to other tabs', () => {
  it('a run of stores travels as few messages, and another tab hears every trace in order', async () => {
    const posted: unknown[] = [];
    const listeners = new Set<(message: unknown) => void>();
    // An in-process stand-in for BroadcastChannel: every other subscriber hears each post.
    const openChannel: CorePlatform['openChannel'] = (_name, onMessage) => {
      listeners.add(onMessage);
      return {
        post(message) {
          posted.push(message);
          const copy = structuredClone(message);
          for (const listener of listeners) if (listener !== onMessage) listener(copy);
        },
        close: () => listeners.delete(onMessage),
      };
    };
    const shared = memoryBackend();
    const writer = core({ storage: shared, autoReplay: false }, { openChannel });
    const watcher = core({ storage: shared, autoReplay: false }, { openChannel });
    const heard: BufferEvent[] = [];
    watcher.subscribe((event) => heard.push(event));
    writer.subscribe(() => undefined);
    for (let i = 0; i < 50; i++) await writer.storeTrace(llmTrace(i));
    await vi.waitFor(() =>
      expect(heard.flatMap((e) => (e.type === 'stored' ? e.traces.map((t) => t.traceId) : []))).toHaveLength(50),
    );
    const ids50 = heard.flatMap((e) => (e.type === 'stored' ? e.traces.map((t) => t.traceId) : []));
    expect(ids50).toEqual(Array.from({ length: 50 }, (_, i) => `inference-${i}`));
    expect(heard.every((e) => e.remote)).toBe(true);
    // 50 commits, one message per 20 ms window: far fewer than 50.
    expect(posted.length).toBeLessThan(10);
  });

  it('close() posts what is still waiting', async () => {
    const posted: unknown[] = [];
    const openChannel: CorePlatform['openChannel'] = () => ({ post: (m) => posted.push(m), close: () => undefined });
    const writer = core({ autoReplay: false }, { openChannel });
    writer.subscribe(() => undefined);
    await writer.storeTrace(llmTrace(1));
    expect(posted).toHaveLength(0);
    await writer.close();
    expect(posted).toHaveLength(1);
  });
});

describe('automatic replay', () => {
  const fast = { startupDelayMs: 0, initialDelayMs: 20, maxDelayMs: 80 };

  it('replays at start-up and again on a backoff timer until the collector recovers', async () => {
    let calls = 0;
    const delivered: string[] = [];
    const shared = memoryBackend();
    const buffer = core({
      storage: shared,
      autoReplay: fast,
      send: (traces) => {
        calls++;
        if (calls < 3) return Promise.reject(deliveryError({ status: 503 }));
        delivered.push(...traces.map((t) => t.id));
        return Promise.resolve();
      },
    });
    await buffer.storeTrace(llmTrace(1));
    await expect.poll(() => delivered.length, { timeout: 5_000 }).toBe(1);
    expect(calls).toBe(3);
    expect((await buffer.getBufferStatus()).totalTraces).toBe(0);
  });

  it('honours Retry-After over its own backoff', async () => {
    const at: number[] = [];
    const buffer = core({
      autoReplay: fast,
      send: () => {
        at.push(Date.now());
        return at.length === 1 ? Promise.reject(deliveryError({ status: 429, retryAfterMs: 400 })) : Promise.resolve();
      },
    });
    await buffer.storeTrace(llmTrace(1));
    await expect.poll(() => at.length, { timeout: 5_000 }).toBe(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(400);
  });

  it('an online event replays at once, and known-offline timers do not send', async () => {
    let offline = true;
    let onOnline: () => void = () => undefined;
    let calls = 0;
    const buffer = core(
      {
        autoReplay: { startupDelayMs: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 },
        send: () => (calls++, Promise.resolve()),
      },
      { isKnownOffline: () => offline, watchOnline: (cb) => ((onOnline = cb), () => undefined) },
    );
    await buffer.storeTrace(llmTrace(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(0);
    offline = false;
    onOnline();
    await expect.poll(() => calls, { timeout: 2_000 }).toBe(1);
    await expect.poll(async () => (await buffer.getBufferStatus()).totalTraces).toBe(0);
  });

  it('close stops the timer: nothing is sent after close', async () => {
    let calls = 0;
    const buffer = core({ autoReplay: fast, send: () => (calls++, Promise.reject(deliveryError({ status: 503 }))) });
    await buffer.storeTrace(llmTrace(1));
    await expect.poll(() => calls, { timeout: 2_000 }).toBeGreaterThan(0);
    await buffer.close();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toBe(after);
  });

  it('autoReplay options are validated', () => {
    expect(() => createTraceBuffer({ autoReplay: true })).toThrow(/together with a "send"/);
    expect(() => createTraceBuffer({ send: () => Promise.resolve(), autoReplay: { initialDelayMs: -1 } })).toThrow(
      TypeError,
    );
    expect(() =>
      createTraceBuffer({ send: () => Promise.resolve(), autoReplay: { initialDelayMs: 100, maxDelayMs: 10 } }),
    ).toThrow(/no smaller than initialDelayMs/);
  });
});

describe('publish', () => {
  it('delivers at once when the send succeeds, buffering nothing', async () => {
    const sent: unknown[] = [];
    const buffer = core({ autoReplay: false, send: (traces) => (sent.push(...ids(traces)), Promise.resolve()) });
    await expect(buffer.publish(llmTrace(1))).resolves.toBe('delivered');
    expect(sent).toEqual(['inference-1']);
    expect((await buffer.getBufferStatus()).totalTraces).toBe(0);
  });

  it('on a network failure calls onFlushFailure first, then buffers the trace and reports the block', async () => {
    const order: string[] = [];
    const buffer = core({
      autoReplay: false,
      send: () => Promise.reject(new TypeError('Failed to fetch')),
      onFlushFailure: (traceData, config, error) =>
        order.push(
          `flush-failure:${String(traceData['inferenceId'])}:${JSON.stringify(config)}:${(error as Error).message}`,
        ),
      onEvent: (e) => order.push(e.type),
    });
    await expect(buffer.publish(llmTrace(1), { outputColumnName: 'output' })).resolves.toBe('buffered');
    expect(order).toEqual(['flush-failure:inference-1:{"outputColumnName":"output"}:Failed to fetch', 'stored']);
    const status = await buffer.getBufferStatus();
    expect(status.lastError).toMatchObject({ code: 'SEND_BLOCKED' });
    expect(status.blocked).toMatchObject({ reason: 'Failed to fetch' });
  });

  it('buffers on every thrown failure, a 400 or 413 too (as Openlayer does): replay judges the trace later', async () => {
    for (const status of [400, 413, 422, 401, 500]) {
      const errors: TraceBufferError[] = [];
      const flushFailures: unknown[] = [];
      const buffer = core({
        autoReplay: false,
        send: () => Promise.reject(deliveryError({ status, message: 'refused' })),
        onError: (e) => errors.push(e),
        onFlushFailure: (_t, _c, error) => flushFailures.push(error),
      });
      await expect(buffer.publish(llmTrace(1))).resolves.toBe('buffered');
      expect(flushFailures).toHaveLength(1);
      expect(ids(await buffer.getBufferedTraces())).toEqual(['inference-1']);
      expect((await buffer.getBufferStatus()).dropped.rejected).toBe(0);
      expect(errors[0]?.code).toBe(status === 401 ? 'SEND_BLOCKED' : 'SEND_FAILED');
    }
  });

  it('a throwing onFlushFailure is reported and the trace is still buffered', async () => {
    const errors: TraceBufferError[] = [];
    const buffer = core({
      autoReplay: false,
      send: () => Promise.reject(new Error('down')),
      onFlushFailure: () => {
        throw new Error('hook broke');
      },
      onError: (e) => errors.push(e),
    });
    await expect(buffer.publish(llmTrace(1))).resolves.toBe('buffered');
    expect(errors.map((e) => e.code)).toEqual(['CALLBACK_FAILED', 'SEND_FAILED']);
  });

  it('known offline: buffers without trying to send', async () => {
    let calls = 0;
    const buffer = core(
      { autoReplay: false, send: () => (calls++, Promise.resolve()) },
      { isKnownOffline: () => true },
    );
    await expect(buffer.publish(llmTrace(1))).resolves.toBe('buffered');
    expect(calls).toBe(0);
  });
});

describe('change notifications across instances (real BroadcastChannel in Node)', () => {
  it('a buffer hears what another buffer of the same name did, marked remote', async () => {
    const name = `notify-${Date.now()}`;
    const shared: StorageBackend = memoryBackend();
    const a = createTraceBuffer({ name, storage: shared });
    const b = createTraceBuffer({ name, storage: shared });
    open.push(a, b);
    const heard: BufferEvent[] = [];
    b.subscribe((event) => heard.push(event));
    await a.storeTrace(llmTrace(1));
    await expect.poll(() => heard.length).toBe(1);
    expect(heard[0]).toMatchObject({ type: 'stored', remote: true, traces: [{ traceId: 'inference-1' }] });
    const other = createTraceBuffer({ name: `${name}-other`, storage: memoryBackend() });
    open.push(other);
    await other.storeTrace(llmTrace(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toHaveLength(1);
  });
});

describe('pause() during a pass', () => {
  // Regression: a pass that had begun (waiting for its lock or its store) when
  // pause() came still sent its first batch, since the pause was only looked
  // at after a batch's answer. Seen in the browser case "pause() holds every send".
  for (const [label, platform] of [
    ['with Web Locks (a plain read for a claim)', inProcessLocks()],
    ['without Web Locks (a lease for a claim)', {}],
  ] as const) {
    it(`${label}: a replay already under way sends nothing after pause(), and its traces stay`, async () => {
      const send = vi.fn(() => Promise.resolve());
      // pause() arrives while the pass reads its first batch, after the replay's own check at its start.
      let pauseDuringRead: (() => void) | undefined;
      const store = memoryBackend();
      const storage = {
        ...store,
        readOldest: async (...args: Parameters<typeof store.readOldest>) => {
          const page = await store.readOldest(...args);
          pauseDuringRead?.();
          return page;
        },
      };
      const buffer = core({ autoReplay: false, send, storage }, platform);
      for (const id of ['p-1', 'p-2', 'p-3']) await buffer.storeTrace({ inferenceId: id });
      pauseDuringRead = () => buffer.pause();
      const replay = buffer.replayBufferedTraces();
      const result = await replay;
      pauseDuringRead = undefined;
      expect(send).not.toHaveBeenCalled();
      expect(result.successCount).toBe(0);
      const kept = await buffer.getBufferedTraces();
      expect(ids(kept)).toEqual(['p-1', 'p-2', 'p-3']);
      buffer.resume();
      await buffer.replayBufferedTraces();
      expect(send).toHaveBeenCalledTimes(1);
      expect(await buffer.getBufferedTraces()).toEqual([]);
    });
  }
});
