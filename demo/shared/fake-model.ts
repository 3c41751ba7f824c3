/**
 * The demo's stand-in for an LLM: a pure, deterministic function, so the same
 * prompt gets the same answer whether the demo server or the page (offline)
 * runs it. No network, no key, no randomness.
 */

export const FAKE_MODEL_NAME = 'fake-echo-1';

export interface FakeCompletion {
  model: string;
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** How long the "model" takes to think, so traces carry a real latency. */
  thinkMs: number;
}

const OPENERS = [
  'Good question.',
  'Here is how I see it.',
  'Short answer first.',
  'Let me think about that.',
  'Fair point.',
];

const CLOSERS = [
  'Every word of this exchange was traced.',
  'If you are offline, this trace waits in the buffer.',
  'The collector will get this trace once it can be reached.',
  'Try going offline and asking again.',
];

/** Rough token count: words and punctuation marks, as a tokenizer would split them. */
export function countTokens(text: string): number {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
}

export function completePrompt(prompt: string): FakeCompletion {
  const trimmed = prompt.trim().replace(/\s+/g, ' ');
  const seed = hash(trimmed);
  const topic = trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed;
  const words = countTokens(trimmed);
  const text = [
    OPENERS[seed % OPENERS.length],
    `You asked about "${topic}" (${words} token${words === 1 ? '' : 's'}).`,
    CLOSERS[(seed >>> 8) % CLOSERS.length],
  ].join(' ');
  return {
    model: FAKE_MODEL_NAME,
    text,
    promptTokens: countTokens(trimmed),
    completionTokens: countTokens(text),
    thinkMs: 120 + (seed % 280),
  };
}

/** FNV-1a: a stable 32-bit hash of the prompt, the model's only "randomness". */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}
