import { indexedDbBackend, memoryBackend, opfsBackend, type StorageBackend } from '../../src/backend.js';
import {
  createTraceBuffer,
  type BufferedTrace,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';
import { deepEqual, equal, ok } from './check.js';
import { compressedStoredTrace, largeLlmTrace, llmTrace, storedTrace } from './fixtures.js';

/** What a compression scenario gets: the same as every buffer scenario (see buffer-scenarios.ts). */
interface Ctx {
  storage: 'indexeddb' | 'opfs' | 'memory' | 'auto';
  name: string;
}

/**
 * The store under the buffer, opened directly to look at (or damage) what is
 * really stored. Memory has no name to meet again by, so the buffer is given
 * the very backend object instead.
 */
function storeUnder(ctx: Ctx): { storage: TraceBufferOptions['storage']; open: () => StorageBackend } {
  if (ctx.storage === 'indexeddb') return { storage: 'indexeddb', open: () => indexedDbBackend({ name: ctx.name }) };
  if (ctx.storage === 'opfs') return { storage: 'opfs', open: () => opfsBackend({ name: ctx.name }) };
  const shared = { ...memoryBackend(), close: () => Promise.resolve() };
  return { storage: shared, open: () => shared };
}

function openBuffer(ctx: Ctx, storage: TraceBufferOptions['storage'], extra: TraceBufferOptions = {}) {
  const errors: TraceBufferError[] = [];
  const buffer = createTraceBuffer({
    name: ctx.name,
    storage,
    autoReplay: false,
    onError: (error) => errors.push(error),
    ...extra,
  });
  return { buffer, errors };
}

const utf8 = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).length;

async function replayAll(buffer: ReturnType<typeof createTraceBuffer>): Promise<BufferedTrace[]> {
  // A pass takes what was stored before it began; a trace another buffer stored
  // in this very millisecond waits for the next pass. Let the clock move past it.
  const newest = (await buffer.getBufferStatus()).newestTrace ?? 0;
  while (Date.now() <= newest) await new Promise((resolve) => setTimeout(resolve, 1));
  const sent: BufferedTrace[] = [];
  const result = await buffer.replayBufferedTraces({
    send: (batch) => {
      sent.push(...batch);
      return Promise.resolve();
    },
  });
  equal(result.failureCount, 0, 'no delivery failed');
  return sent;
}

/** Option `compression`, on every backend in every engine (run with the buffer scenarios). */
export const compressionScenarios = [
  {
    name: 'compression: a large trace is stored gzip-compressed, counted at its stored size, and reads back and replays exactly',
    async run(ctx: Ctx) {
      const under = storeUnder(ctx);
      const big = largeLlmTrace(1);
      const small = llmTrace(2);
      const first = openBuffer(ctx, under.storage);
      equal(await first.buffer.storeTrace(big), true, 'the large trace is stored');
      equal(await first.buffer.storeTrace(small), true, 'the small trace is stored');
      const status = await first.buffer.getBufferStatus();
      equal(status.compression.enabled, true, 'compression is on here (CompressionStream exists)');
      equal(status.compression.compressed.traces, 1, 'only the trace above the threshold was compressed');
      equal(status.compression.compressed.originalBytes, utf8(big) + utf8({}), 'its size before: its JSON texts');
      const storedBig = status.compression.compressed.storedBytes;
      ok(storedBig < utf8(big) / 2, `it takes less than half its JSON size (${storedBig} of ${utf8(big)} B)`);
      equal(status.totalSizeBytes, storedBig + utf8(small) + utf8({}), 'totalSizeBytes counts what is stored');
      deepEqual(
        (await first.buffer.getBufferedTraces()).map((t) => t.traceData),
        [big, small],
        'both read back exactly',
      );
      deepEqual(first.errors, [], 'nothing was reported');
      await first.buffer.close();

      const raw = under.open();
      const { records } = await raw.readAll();
      equal(Object.prototype.toString.call(records[0]?.traceGzip), '[object Uint8Array]', 'the store holds bytes');
      equal(records[0]?.traceJson, undefined, 'and no text for the large trace');
      equal(records[0]?.sizeBytes, storedBig, 'its sizeBytes is its stored size');
      equal(records[0]?.originalBytes, utf8(big) + utf8({}), 'its originalBytes the JSON size');
      equal(typeof records[1]?.traceJson, 'string', 'the small trace is kept as text');
      equal((await raw.stats()).bytes, status.totalSizeBytes, 'the backend counts the same');
      await raw.close();

      const second = openBuffer(ctx, under.storage);
      deepEqual(
        (await replayAll(second.buffer)).map((t) => t.traceData),
        [big, small],
        'replay sends both exactly',
      );
      equal((await second.buffer.getBufferStatus()).totalTraces, 0, 'and removes them');
      deepEqual(second.errors, [], 'nothing was reported on replay');
      await second.buffer.close();
    },
  },
  {
    name: 'compression: records stored uncompressed (compression off, or an older version) read back and replay with it on',
    async run(ctx: Ctx) {
      const under = storeUnder(ctx);
      const big = largeLlmTrace(3);
      const off = openBuffer(ctx, under.storage, { compression: false });
      equal(await off.buffer.storeTrace(big), true, 'stored with compression off');
      const status = await off.buffer.getBufferStatus();
      equal(status.compression.enabled, false, 'the status says it is off');
      equal(status.totalSizeBytes, utf8(big) + utf8({}), 'an uncompressed trace counts at its JSON size');
      await off.buffer.close();
      const raw = under.open();
      equal(typeof (await raw.readAll()).records[0]?.traceJson, 'string', 'stored as text');
      await raw.close();

      const on = openBuffer(ctx, under.storage);
      deepEqual(
        (await on.buffer.getBufferedTraces()).map((t) => t.traceData),
        [big],
        'it reads back',
      );
      deepEqual(
        (await replayAll(on.buffer)).map((t) => t.traceData),
        [big],
        'and replays',
      );
      deepEqual(on.errors, [], 'nothing was reported');
      await on.buffer.close();
    },
  },
  {
    name: 'compression: a compressed body that does not decompress is reported unreadable, stays stored, and is never sent',
    async run(ctx: Ctx) {
      const under = storeUnder(ctx);
      // Bytes that are no gzip stream, under a record that is otherwise whole.
      const damaged = compressedStoredTrace(1, 1_700_000_000_001);
      const good = storedTrace(2, 1_700_000_000_002);
      const raw = under.open();
      await raw.insert([damaged, good], 10);
      await raw.close();

      const { buffer, errors } = openBuffer(ctx, under.storage);
      const read = await buffer.getBufferedTraces();
      deepEqual(
        read.map((t) => t.id),
        [good.id],
        'getBufferedTraces resolves with the readable trace only',
      );
      const report = errors.find((error) => error.code === 'CORRUPT_RECORD');
      ok(report?.message.includes(damaged.id), `the damaged record is reported by its id (${report?.message})`);
      ok(report?.message.includes('does not decompress'), 'and why');
      const sent = await replayAll(buffer);
      deepEqual(
        sent.map((t) => t.id),
        [good.id],
        'replay sends only the readable trace',
      );
      const status = await buffer.getBufferStatus();
      equal(status.corruptRecords, 1, 'the status counts it');
      equal(status.totalTraces, 1, 'and it is still stored, not dropped');
      equal(await buffer.removeTrace(damaged.id), true, 'removeTrace removes it');
      equal((await buffer.getBufferStatus()).totalTraces, 0, 'then the buffer is empty');
      await buffer.close();
    },
  },
];
