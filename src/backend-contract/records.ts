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
