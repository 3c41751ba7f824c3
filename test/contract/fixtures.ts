import type { StoredTrace } from '../../src/index.js';

let counter = 0;

/** A stored record as the core would build it, for backend-level tests. */
export function storedTrace(i: number, timestamp = 1_700_000_000_000 + i, seq = i): StoredTrace {
  const traceData = {
    inferenceId: `inference-${i}`,
    input: { prompt: `question ${i}` },
    output: `answer ${i}`,
    tokens: i,
  };
  return {
    id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    traceData,
    config: { outputColumnName: 'output' },
    inferencePipelineId: 'pipeline-1',
    timestamp,
    attempts: 0,
    metadata: { bufferVersion: '1.0', createdBy: 'test' },
    seq,
    sizeBytes: JSON.stringify(traceData).length + 30,
  };
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
