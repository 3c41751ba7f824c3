// Compression in the core (compressed-body.ts) and its option, in Node with
// the real CompressionStream (src/platform/gzip.ts); the storage side runs in
// every engine through the contract (compressed-record-cases, compression-scenarios).
import { afterEach, describe, expect, it } from 'vitest';
import { memoryBackend, type StorageBackend } from '../../src/backend.js';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES, framePuts } from '../../src/backends/opfs/frame-codec.js';
import { recordToJson } from '../../src/backends/opfs/record-json.js';
import { resolveOptions, type CoreOptions } from '../../src/core/options.js';
import { createBufferCore, type CorePlatform } from '../../src/core/trace-buffer.js';
import { TraceBufferOptionError, type TraceBuffer, type TraceBufferError } from '../../src/index.js';
import { gzip } from '../../src/platform/gzip.js';
import { randomUUID } from '../../src/platform/random-uuid.js';
import { compressedStoredTrace, largeLlmTrace, llmTrace } from '../contract/fixtures.js';

const open: TraceBuffer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

function core(options: CoreOptions, platform: Partial<CorePlatform> = {}) {
  const backend = memoryBackend();
  const errors: TraceBufferError[] = [];
  const buffer = createBufferCore(resolveOptions({ onError: (e: TraceBufferError) => errors.push(e), ...options }), {
    openBackend: () => Promise.resolve({ backend, fallbackReason: null }),
    generateId: () => randomUUID(),
    compression: gzip(),
    ...platform,
  });
  open.push(buffer);
  return { buffer, backend, errors };
}

const stored = async (backend: StorageBackend) => (await backend.readAll()).records;

describe('compression option', () => {
  it('defaults to a 4096-byte threshold; false turns it off; a bad value is refused at once, naming it', () => {
    expect(resolveOptions({}).compression).toEqual({ thresholdBytes: 4096 });
    expect(resolveOptions({ compression: true }).compression).toEqual({ thresholdBytes: 4096 });
    expect(resolveOptions({ compression: false }).compression).toBeNull();
    expect(resolveOptions({ compression: { thresholdBytes: 0 } }).compression).toEqual({ thresholdBytes: 0 });
    for (const [value, option] of [
      ['gzip', 'compression'],
      [null, 'compression'],
      [{ threshold: 10 }, 'compression'],
      [{ thresholdBytes: -1 }, 'compression.thresholdBytes'],
      [{ thresholdBytes: 1.5 }, 'compression.thresholdBytes'],
    ] as const) {
      let thrown: unknown;
      try {
        resolveOptions({ compression: value as never });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(value)).toBeInstanceOf(TraceBufferOptionError);
      expect((thrown as TraceBufferOptionError).details['option']).toBe(option);
    }
  });
});

describe('compression in the core', () => {
  it('compresses only traces at or above the threshold', async () => {
    const { buffer, backend } = core({ compression: { thresholdBytes: 2000 } });
    await buffer.storeTrace(largeLlmTrace(1));
    await buffer.storeTrace(llmTrace(2));
    const [big, small] = await stored(backend);
    expect(big?.traceGzip).toBeInstanceOf(Uint8Array);
    expect(big?.traceJson).toBeUndefined();
    expect(small?.traceJson).toBe(JSON.stringify(llmTrace(2)));
    expect(small?.traceGzip).toBeUndefined();
    expect(small?.originalBytes).toBeUndefined();
  });

  it('keeps a trace as text when gzip would not make it smaller', async () => {
    const { buffer, backend, errors } = core({ compression: { thresholdBytes: 0 } });
    await buffer.storeTrace({ a: 1 });
    const [record] = await stored(backend);
    expect(record?.traceJson).toBe('{"a":1}');
    expect(record?.traceGzip).toBeUndefined();
    expect((await buffer.getBufferStatus()).compression.compressed.traces).toBe(0);
    expect(errors).toEqual([]);
  });

  it('stores uncompressed, with no error, where the runtime has no CompressionStream', async () => {
    const { buffer, backend, errors } = core({}, { compression: null });
    await buffer.storeTrace(largeLlmTrace(1));
    expect((await stored(backend))[0]?.traceJson).toBe(JSON.stringify(largeLlmTrace(1)));
    expect((await buffer.getBufferStatus()).compression).toEqual({
      enabled: false,
      thresholdBytes: 4096,
      compressed: { traces: 0, originalBytes: 0, storedBytes: 0 },
    });
    expect(errors).toEqual([]);
  });

  it('a compression that fails stores the trace uncompressed and reports COMPRESSION_FAILED', async () => {
    const failing = { compress: () => Promise.reject(new Error('zlib broke')), decompress: gzip()!.decompress };
    const { buffer, backend, errors } = core({}, { compression: failing });
    expect(await buffer.storeTrace(largeLlmTrace(1))).toBe(true);
    expect((await stored(backend))[0]?.traceJson).toBe(JSON.stringify(largeLlmTrace(1)));
    expect(errors.map((e) => e.code)).toEqual(['COMPRESSION_FAILED']);
    expect(errors[0]?.message).toContain('zlib broke');
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData)).toEqual([largeLlmTrace(1)]);
  });

  it('a compressed trace read where DecompressionStream is missing is reported unreadable, not thrown or dropped', async () => {
    const { buffer, backend, errors } = core({}, { compression: null });
    const record = compressedStoredTrace(1);
    await backend.insert([record], 10);
    expect(await buffer.getBufferedTraces()).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(['CORRUPT_RECORD']);
    expect(errors[0]?.message).toContain('no DecompressionStream');
    expect((await buffer.getBufferStatus()).totalTraces).toBe(1);
  });

  it('stores pending at page exit are written at once, uncompressed (the page may have milliseconds left)', async () => {
    let exit: () => void = () => undefined;
    const { buffer, backend } = core(
      {},
      {
        watchPageExit: (onExit) => {
          exit = onExit;
          return () => undefined;
        },
      },
    );
    const storing = buffer.storeTrace(largeLlmTrace(1));
    exit();
    expect(await storing).toBe(true);
    expect((await stored(backend))[0]?.traceJson).toBe(JSON.stringify(largeLlmTrace(1)));
    expect(await buffer.storeTrace(largeLlmTrace(2))).toBe(true);
    expect((await stored(backend))[1]?.traceGzip).toBeInstanceOf(Uint8Array);
  });
});

describe('compression at page exit', () => {
  it('a page exit during compression stores the rest of the batch at once, as text', async () => {
    let exit: () => void = () => undefined;
    const real = gzip()!;
    const compressing = {
      ...real,
      compress: (text: string) => {
        exit(); // The page goes away while the first record is being compressed.
        return real.compress(text);
      },
    };
    const { buffer, backend } = core(
      {},
      {
        compression: compressing,
        watchPageExit: (onExit) => {
          exit = onExit;
          return () => undefined;
        },
      },
    );
    const results = await Promise.all([1, 2, 3].map((i) => buffer.storeTrace(largeLlmTrace(i))));
    expect(results).toEqual([true, true, true]);
    const records = await stored(backend);
    expect(records.map((r) => (r.traceGzip ? 'gzip' : 'text'))).toEqual(['gzip', 'text', 'text']);
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData)).toEqual([1, 2, 3].map(largeLlmTrace));
  });
});

describe('OPFS frames with a compressed record', () => {
  it('carry the bytes as base64 under the frame checksum and decode them back to the same bytes', () => {
    const record = compressedStoredTrace(7);
    const json = recordToJson(record);
    expect(json).not.toContain('"traceGzip"');
    expect(json).toContain('"traceGzip64":"');
    const frame = encodeFrame(framePuts([json]));
    const decoded = decodeFrame(frame, new DataView(frame.buffer, frame.byteOffset, frame.byteLength), 0);
    expect(decoded.ok && decoded.value.p).toEqual([record]);
    // One flipped byte inside the base64 text is caught by the checksum.
    const at = FRAME_HEADER_BYTES + '{"p":['.length + json.indexOf('"traceGzip64":"') + 20;
    frame[at] = frame[at] === 0x41 ? 0x42 : 0x41;
    expect(decodeFrame(frame, new DataView(frame.buffer), 0)).toEqual({ ok: false, reason: 'checksum mismatch' });
  });

  it('a frame whose base64 is not base64 is refused as invalid, with why', () => {
    const { traceGzip, ...rest } = compressedStoredTrace(8);
    expect(traceGzip).toBeInstanceOf(Uint8Array);
    const frame = encodeFrame(framePuts([JSON.stringify({ ...rest, traceGzip64: '***' })]));
    const decoded = decodeFrame(frame, new DataView(frame.buffer), 0);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toContain('traceGzip is not a Uint8Array');
  });
});
