import type { StoredTrace } from '../../src/backend.js';

let counter = 0;

/** A stored record as the core would build it, for backend-level tests. */
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

/** A trace as an LLM tracer would produce it. */
export function llmTrace(i: number): { [key: string]: unknown } {
  return {
    inferenceId: `inference-${i}`,
    input: { prompt: `Question number ${i}?` },
    output: `Answer number ${i}.`,
    latency: 120 + i,
    tokens: 40 + (i % 7),
    cost: 0.0001 * i,
  };
}

/** A name no other test uses, so each test gets its own database. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
