// Records for backend-level tests come from the contract, so one counter numbers them all.
export { compressedStoredTrace, legacyStoredTrace, storedTrace } from '../../src/backend-contract/records.js';

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

/**
 * A trace of about 12 KB of JSON, as a retrieval-augmented LLM call records
 * it: prompt, retrieved passages and the answer. English text, so it
 * compresses as real traces do (not random bytes, which do not).
 */
export function largeLlmTrace(i: number): { [key: string]: unknown } {
  const passages = Array.from({ length: 12 }, (_, k) => ({
    id: `doc-${i}-${k}`,
    score: Math.round((0.9 - k * 0.03) * 1000) / 1000,
    text:
      `Section ${k + 1} of the handbook explains how an offline buffer keeps telemetry while the network is down, ` +
      `how a replay delivers it in batches of ${10 + k} once the connection returns, and why each record carries ` +
      `an id that the collector uses to ignore duplicates. Passage ${k} was retrieved for question ${i}.`,
  }));
  return {
    ...llmTrace(i),
    input: {
      system: 'You are a careful assistant. Answer only from the retrieved passages and cite them by id.',
      prompt: `Question number ${i}: how does the buffer avoid losing traces when the tab closes mid-delivery?`,
      context: passages,
    },
    output: passages.map((p) => `According to ${p.id}, ${p.text.toLowerCase()}`).join(' '),
  };
}
