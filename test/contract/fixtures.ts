// Records for backend-level tests come from the contract, so one counter numbers them all.
export { legacyStoredTrace, storedTrace } from '../../src/backend-contract/records.js';

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
