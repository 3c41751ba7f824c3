import type { StoredTrace } from '../core/record.js';

let counter = 0;

/** A stored record as the core would build it, with a fresh id each call. */
export function storedTrace(i: number, timestamp = 1_700_000_000_000 + i, seq = i): StoredTrace {
  const traceData = {
    inferenceId: `inference-${i}`,
    input: { prompt: `question ${i}` },
    output: `answer ${i}`,
    tokens: i,
  };
  const traceJson = JSON.stringify(traceData);
  return {
    id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    traceId: traceData.inferenceId,
    traceJson,
    configJson: JSON.stringify({ outputColumnName: 'output' }),
    inferencePipelineId: 'pipeline-1',
    timestamp,
    attempts: 0,
    metadata: { bufferVersion: '1.0', createdBy: 'test' },
    seq,
    sizeBytes: traceJson.length + 30,
  };
}

/** The same record in the layout 0.1.0 wrote: the trace and config as objects, no traceId. */
export function legacyStoredTrace(i: number): Record<string, unknown> {
  const record: Partial<StoredTrace> = storedTrace(i);
  const traceData = JSON.parse(record.traceJson!) as unknown;
  const config = JSON.parse(record.configJson!) as unknown;
  delete record.traceJson;
  delete record.configJson;
  delete record.traceId;
  return { ...record, traceData, config };
}

export const ids = (records: readonly { id: string }[]): string[] => records.map((r) => r.id);

/**
 * A record as the core stores a compressed trace: `traceGzip` bytes instead of
 * `traceJson`. The bytes are every value 0-255 (not real gzip: a backend only
 * keeps bytes, and this proves it keeps any), `sizeBytes` their stored size.
 */
export function compressedStoredTrace(i: number, timestamp?: number): StoredTrace {
  const { traceJson, ...record } = storedTrace(i, timestamp);
  const traceGzip = new Uint8Array(1024 + i).map((_, k) => (k * 7 + i) % 256);
  return {
    ...record,
    traceGzip,
    sizeBytes: traceGzip.byteLength + record.configJson.length,
    originalBytes: (traceJson?.length ?? 0) + record.configJson.length + 20_000,
  };
}

/** A record's compressed body as plain numbers, to compare across realms and copies. */
export const bodyOf = (record: StoredTrace | undefined): number[] | null =>
  record?.traceGzip ? Array.from(record.traceGzip) : null;
