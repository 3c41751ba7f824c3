// Dead letters in Node: the memory backend, a custom backend (with and without
// a deadLetterBackend) and IndexedDB on fake-indexeddb (a first check; the
// browser proof is test/browser/dead-letters.spec.ts).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTraceBuffer,
  deliveryError,
  TraceBufferOptionError,
  type BufferEvent,
  type SendFunction,
  type TraceBuffer,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';
import { memoryBackend, type StorageBackend } from '../../src/backend.js';
import { llmTrace } from '../contract/fixtures.js';

const open: TraceBuffer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

function buffer(options: TraceBufferOptions): TraceBuffer {
  const made = createTraceBuffer({ autoReplay: false, ...options });
  open.push(made);
  return made;
}

/** Refuses, row by row, the traces whose inferenceId is in `bad`; delivers the rest into `delivered`. */
function refusing(bad: Set<string>, delivered: string[], message = 'row refused'): SendFunction {
  return (traces) => {
    const failed = traces.filter((t) => bad.has(t.traceData['inferenceId'] as string));
    for (const t of traces) if (!failed.includes(t)) delivered.push(t.traceData['inferenceId'] as string);
    return Promise.resolve({
      failed: failed.map((t) => ({ id: t.id, reason: message, retryable: false, status: 422 })),
    });
  };
}

const inferenceIds = (traces: { traceData: Record<string, unknown> }[]): unknown[] =>
  traces.map((t) => t.traceData['inferenceId']);

describe('dead letters (memory)', () => {
  it('a refused row leaves the queue as a dead letter with its status, message and time; the others are delivered', async () => {
    const events: BufferEvent[] = [];
    const delivered: string[] = [];
    const b = buffer({ storage: 'memory', onEvent: (e) => events.push(e) });
    for (let i = 1; i <= 3; i++) await b.storeTrace(llmTrace(i));
    const before = Date.now();
    const result = await b.replayBufferedTraces({ send: refusing(new Set(['inference-2']), delivered) });
    expect(result).toMatchObject({ successCount: 2, failureCount: 1 });
    expect(delivered).toEqual(['inference-1', 'inference-3']);
    expect(await b.getBufferedTraces()).toEqual([]);
    const [letter, ...rest] = await b.getDeadLetters();
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({ traceData: llmTrace(2), deadLetter: { status: 422, message: 'row refused' } });
    expect(letter!.deadLetter.at).toBeGreaterThanOrEqual(before);
    expect(events.filter((e) => e.type === 'dropped')).toEqual([]);
    expect(events.find((e) => e.type === 'dead-lettered')).toMatchObject({
      traces: [{ id: letter!.id, traceId: 'inference-2' }],
      status: 422,
      message: 'row refused',
    });
    const status = await b.getBufferStatus();
    expect(status).toMatchObject({ totalTraces: 0, deadLetters: 1, deadLetterStorage: 'memory' });
    expect(status.dropped.rejected).toBe(0);
  });

  it("a thrown 400 for a single trace dead-letters it, keeping the server's message truncated to 1000 characters", async () => {
    const b = buffer({ storage: 'memory' });
    await b.storeTrace(llmTrace(1));
    const long = `bad field ${'x'.repeat(5000)}`;
    await b.replayBufferedTraces({ send: () => Promise.reject(deliveryError({ status: 400, message: long })) });
    const [letter] = await b.getDeadLetters();
    expect(letter!.deadLetter.status).toBe(400);
    expect(letter!.deadLetter.message).toBe(long.slice(0, 1000));
  });

  it('past deadLetters.maxCount the oldest dead letter goes, reported as dropped with reason dead-letter-evicted', async () => {
    const events: BufferEvent[] = [];
    const b = buffer({ storage: 'memory', deadLetters: { maxCount: 2 }, onEvent: (e) => events.push(e) });
    for (let i = 1; i <= 3; i++) await b.storeTrace(llmTrace(i));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1', 'inference-2', 'inference-3']), []) });
    expect(inferenceIds(await b.getDeadLetters())).toEqual(['inference-2', 'inference-3']);
    const evicted = events.filter((e) => e.type === 'dropped' && e.reason === 'dead-letter-evicted');
    expect(evicted).toMatchObject([{ traces: [{ traceId: 'inference-1' }] }]);
    expect((await b.getBufferStatus()).dropped['dead-letter-evicted']).toBe(1);
  });

  it('retryDeadLetters(ids) re-queues those with no attempts counted and resolves how many; a replay then delivers them once', async () => {
    const delivered: string[] = [];
    const bad = new Set(['inference-1', 'inference-2']);
    const b = buffer({ storage: 'memory', maxAttempts: 5 });
    for (let i = 1; i <= 2; i++) await b.storeTrace(llmTrace(i));
    await b.replayBufferedTraces({ send: refusing(bad, delivered) });
    const [first] = await b.getDeadLetters();
    await expect(b.retryDeadLetters([first!.id, 'no-such-id'])).resolves.toBe(1);
    expect(inferenceIds(await b.getDeadLetters())).toEqual(['inference-2']);
    const queued = await b.getBufferedTraces();
    expect(queued.map((t) => [t.id, t.attempts])).toEqual([[first!.id, 0]]);
    expect(queued[0]).not.toHaveProperty('deadLetter');
    bad.clear();
    await b.replayBufferedTraces({ send: refusing(bad, delivered) });
    expect(delivered).toEqual(['inference-1']);
    await expect(b.retryDeadLetters()).resolves.toBe(1);
    await b.replayBufferedTraces({ send: refusing(bad, delivered) });
    expect(delivered).toEqual(['inference-1', 'inference-2']);
    expect((await b.getBufferStatus()).deadLetters).toBe(0);
  });

  it('a retried dead letter counts as stored now: maxAgeMs does not expire it at once, and a full buffer keeps it', async () => {
    const delivered: string[] = [];
    const bad = new Set(['inference-1']);
    const b = buffer({ storage: 'memory', maxBufferSize: 2, maxAgeMs: 200 });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(bad, delivered) });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the dead letter is now older than maxAgeMs
    for (let i = 2; i <= 3; i++) await b.storeTrace(llmTrace(i));
    const dropped: BufferEvent[] = [];
    b.subscribe((event) => dropped.push(event));
    await expect(b.retryDeadLetters()).resolves.toBe(1);
    expect(inferenceIds(await b.getBufferedTraces())).toEqual(['inference-3', 'inference-1']);
    bad.clear();
    await b.replayBufferedTraces({ send: refusing(bad, delivered) });
    expect(delivered).toEqual(['inference-3', 'inference-1']);
    expect(dropped.flatMap((event) => (event.type === 'dropped' ? [event.reason] : []))).toEqual(['evicted']);
  });

  it('clearBuffer leaves the dead letters; clearDeadLetters removes them and resolves how many', async () => {
    const b = buffer({ storage: 'memory' });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    await b.storeTrace(llmTrace(2));
    await expect(b.clearBuffer()).resolves.toBe(1);
    expect(inferenceIds(await b.getDeadLetters())).toEqual(['inference-1']);
    await expect(b.clearDeadLetters()).resolves.toBe(1);
    expect(await b.getDeadLetters()).toEqual([]);
  });

  it('deadLetters: false drops refused traces with reason rejected, as before', async () => {
    const events: BufferEvent[] = [];
    const b = buffer({ storage: 'memory', deadLetters: false, onEvent: (e) => events.push(e) });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    expect(events.find((e) => e.type === 'dropped')).toMatchObject({
      reason: 'rejected',
      traces: [{ traceId: 'inference-1' }],
    });
    expect(events.some((e) => e.type === 'dead-lettered')).toBe(false);
    const status = await b.getBufferStatus();
    expect(status).toMatchObject({ totalTraces: 0, deadLetters: 0, deadLetterStorage: null });
    expect(status.dropped.rejected).toBe(1);
    expect(await b.getDeadLetters()).toEqual([]);
  });

  it('bad dead-letter options throw a TraceBufferOptionError at once', () => {
    for (const deadLetters of ['yes', { maxCount: 0 }, { maxCount: 1.5 }, null]) {
      expect(() => createTraceBuffer({ deadLetters } as never), JSON.stringify(deadLetters)).toThrow(
        TraceBufferOptionError,
      );
    }
    expect(() => createTraceBuffer({ storage: 'memory', deadLetterBackend: memoryBackend() })).toThrow(
      TraceBufferOptionError,
    );
    expect(() => createTraceBuffer({ storage: memoryBackend(), deadLetterBackend: {} as never })).toThrow(
      TraceBufferOptionError,
    );
    const b = buffer({ storage: 'memory' });
    expect(() => b.retryDeadLetters('one-id' as never)).toThrow(TraceBufferOptionError);
  });
});

/** A memory backend that logs each step, to check the order of the two stores' writes. */
function logging(log: string[], label: string, failInsert = false): StorageBackend {
  const inner = memoryBackend();
  return {
    ...inner,
    kind: `logged-${label}`,
    insert: (records, max) => {
      log.push(`${label}.insert`);
      return failInsert ? Promise.reject(new Error(`${label} is full`)) : inner.insert(records, max);
    },
    remove: (ids) => {
      log.push(`${label}.remove`);
      return inner.remove(ids);
    },
  };
}

describe('dead letters beside a custom backend', () => {
  it('the dead letter is written before the trace leaves the queue (a crash between leaves a copy, never none)', async () => {
    const log: string[] = [];
    const b = buffer({ storage: logging(log, 'main'), deadLetterBackend: logging(log, 'dead') });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    expect(log).toEqual(['main.insert', 'dead.insert', 'main.remove']);
    expect((await b.getBufferStatus()).deadLetterStorage).toBe('logged-dead');
    log.length = 0;
    await b.retryDeadLetters();
    expect(log).toEqual(['main.insert', 'dead.remove']);
  });

  it('a dead letter that cannot be written leaves the trace queued and says why', async () => {
    const errors: TraceBufferError[] = [];
    const b = buffer({
      storage: logging([], 'main'),
      deadLetterBackend: logging([], 'dead', true),
      onError: (e) => errors.push(e),
    });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    expect(inferenceIds(await b.getBufferedTraces())).toEqual(['inference-1']);
    expect(errors.map((e) => e.message).join('\n')).toContain('dead is full');
    expect((await b.getBufferStatus()).dropped.rejected).toBe(0);
  });

  it('without a deadLetterBackend they are kept in memory, and the status says so', async () => {
    const b = buffer({ storage: memoryBackend() });
    await b.storeTrace(llmTrace(1));
    await b.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    expect(await b.getBufferStatus()).toMatchObject({ deadLetters: 1, deadLetterStorage: 'memory' });
  });
});

describe('dead letters on IndexedDB (fake-indexeddb)', () => {
  it('they are kept in a database of their own that outlives the instance, created only by the first dead letter', async () => {
    const name = `dead-${Date.now().toString(36)}`;
    const databases = async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.includes(name));
    const first = buffer({ name, storage: 'indexeddb' });
    await first.storeTrace(llmTrace(1));
    expect(await first.getBufferStatus()).toMatchObject({ deadLetters: 0, deadLetterStorage: 'indexeddb' });
    expect(await first.getDeadLetters()).toEqual([]);
    expect(await databases()).toEqual([`offline-trace-buffer:${name}`]);
    await first.replayBufferedTraces({ send: refusing(new Set(['inference-1']), []) });
    expect((await databases()).sort()).toEqual([
      `offline-trace-buffer:${name}`,
      `offline-trace-buffer:${name}~dead-letters`,
    ]);
    await first.close();
    const second = buffer({ name, storage: 'indexeddb' });
    expect((await second.getBufferStatus()).deadLetters).toBe(1);
    expect(await second.getDeadLetters()).toMatchObject([{ traceData: llmTrace(1), deadLetter: { status: 422 } }]);
  });
});
