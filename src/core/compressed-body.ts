import { describeError, TraceBufferError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { CorePlatform, TextCompression } from './platform.js';
import { toBufferedTrace, type BufferedTrace, type CorruptRecord, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import { utf8Length } from './to-json.js';

/**
 * Compression of a record's trace text: done in the core before the group
 * commit hands records to the backend (an IndexedDB transaction cannot wait
 * for a stream), undone where traces are read out. Backends only keep bytes.
 */
export interface CompressionPolicy {
  codec: TextCompression;
  /** Records whose JSON texts are at least this many UTF-8 bytes are compressed. */
  thresholdBytes: number;
}

/**
 * Most time one slice of gzip work runs before yielding. CompressionStream
 * runs zlib on the caller's thread in Chromium and Firefox, in promise
 * reactions: 500 traces of 20 KB compressed at once held Chromium's main
 * thread for 1.3 s in one task (bench/results.md). In slices, the page paints
 * and handles input between them.
 */
const SLICE_MS = 8;

/** The group commit's step before a write: compression, when it is on and the runtime has it. */
export function compressionStep(
  options: Pick<ResolvedOptions, 'compression'>,
  platform: Pick<CorePlatform, 'compression' | 'yieldTask'>,
  reporter: Reporter,
): ((records: StoredTrace[], stop: () => boolean) => Promise<StoredTrace[]> | null) | undefined {
  const codec = platform.compression;
  if (!options.compression || !codec) return undefined;
  const policy = { codec, thresholdBytes: options.compression.thresholdBytes };
  const yieldTask = platform.yieldTask ?? defaultYield;
  const report = (error: TraceBufferError): void => reporter.error(error);
  return (records, stop) =>
    // Nothing to compress (most traces are small): no promise, no extra turn before the write.
    records.some((record) => record.sizeBytes >= policy.thresholdBytes)
      ? inSlices(
          records,
          (record) => (stop() ? Promise.resolve(record) : compressRecord(record, policy, report)),
          yieldTask,
        )
      : null;
}

/**
 * The record as it will be stored. It compresses only when that makes it
 * smaller; if compressing fails, it is stored as it is (nothing is lost) and
 * `report` hears why.
 */
export async function compressRecord(
  record: StoredTrace,
  policy: CompressionPolicy,
  report: (error: TraceBufferError) => void,
): Promise<StoredTrace> {
  const { traceJson, ...rest } = record;
  if (traceJson === undefined || record.sizeBytes < policy.thresholdBytes) return record;
  let traceGzip: Uint8Array;
  try {
    traceGzip = await policy.codec.compress(traceJson);
  } catch (error) {
    report(
      new TraceBufferError(
        'COMPRESSION_FAILED',
        `Compressing a trace failed (${describeError(error)}); it is stored uncompressed.`,
        { cause: error, details: { id: record.id } },
      ),
    );
    return record;
  }
  const sizeBytes = traceGzip.byteLength + utf8Length(record.configJson);
  // Short or random text can grow under gzip: then the text is smaller to keep.
  if (sizeBytes >= record.sizeBytes) return record;
  return { ...rest, traceGzip, sizeBytes, originalBytes: record.sizeBytes };
}

/** `work` on each item in turn, yielding to the host whenever a slice has run SLICE_MS. */
async function inSlices<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  yieldTask: () => Promise<void>,
): Promise<R[]> {
  const out: R[] = [];
  let sliceStart = Date.now();
  for (const item of items) {
    out.push(await work(item));
    if (Date.now() - sliceStart < SLICE_MS) continue;
    await yieldTask();
    sliceStart = Date.now();
  }
  return out;
}

const defaultYield = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Reads records out: each compressed trace is decompressed, every text
 * parsed. One that does not decompress or parse is set apart, with why (it
 * stays stored, and is reported as unreadable: never thrown, never dropped).
 */
export async function readTraces(
  records: readonly StoredTrace[],
  platform: Pick<CorePlatform, 'compression' | 'yieldTask'>,
): Promise<{ traces: { record: StoredTrace; trace: BufferedTrace }[]; corrupt: CorruptRecord[] }> {
  const codec = platform.compression ?? null;
  const texts = records.some((record) => record.traceGzip !== undefined)
    ? await inSlices(records, (record) => traceText(record, codec), platform.yieldTask ?? defaultYield)
    : records.map((record) => record.traceJson ?? { problem: 'traceJson is missing' });
  const traces: { record: StoredTrace; trace: BufferedTrace }[] = [];
  const corrupt: CorruptRecord[] = [];
  records.forEach((record, i) => {
    const text = texts[i];
    if (typeof text !== 'string') return corrupt.push({ key: record.id, reason: text?.problem ?? 'no text' });
    try {
      traces.push({ record, trace: toBufferedTrace(record, text) });
    } catch (error) {
      if (!(error instanceof TraceBufferError) || error.code !== 'CORRUPT_RECORD') throw error;
      corrupt.push({ key: record.id, reason: error.message });
    }
  });
  return { traces, corrupt };
}

async function traceText(record: StoredTrace, codec: TextCompression | null): Promise<string | { problem: string }> {
  if (record.traceGzip === undefined) return record.traceJson ?? { problem: 'traceJson is missing' };
  if (!codec) return { problem: 'the trace is gzip-compressed and this runtime has no DecompressionStream' };
  try {
    return await codec.decompress(record.traceGzip);
  } catch (error) {
    return { problem: `the compressed trace does not decompress (${describeError(error)})` };
  }
}
