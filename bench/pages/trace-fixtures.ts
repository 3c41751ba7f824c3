/**
 * The traces every approach stores: about 2 KB of JSON each, shaped like an
 * LLM call as a tracer records it, with text drawn from a word list so storage
 * engines that compress (Chromium's LevelDB) see realistic, not trivially
 * repetitive, data. Deterministic per index so runs are comparable.
 */
export type BenchTrace = Record<string, unknown>;

/** A record as the raw baselines store it: the fields a buffer must keep, no library. */
export interface BaselineRecord {
  id: string;
  traceData: BenchTrace;
  config: Record<string, unknown>;
  inferencePipelineId: string;
  timestamp: number;
  seq: number;
}

export const TRACE_CONFIG = { outputColumnName: 'output', inputVariableNames: ['question'] };
export const PIPELINE_ID = 'bench-pipeline';
const TARGET_JSON_BYTES = 2048;

const WORDS =
  'the a of to and in is it you that for on with as are this be at have or from by not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part model token answer context retrieval prompt latency vector document user system assistant tool query result cache embedding stream chunk'.split(
    ' ',
  );

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)] ?? 'x');
  return out.join(' ');
}

export function makeTrace(index: number, salt: string): BenchTrace {
  const random = prng(index * 2_654_435_761 + salt.length);
  const started = 1_790_000_000_000 + index * 1_000;
  const trace: BenchTrace = {
    inferenceId: `${salt}-${index}`,
    question: sentence(random, 18),
    output: '',
    latency: Math.round(200 + random() * 2_000),
    tokens: Math.round(100 + random() * 900),
    cost: Math.round(random() * 1e6) / 1e9,
    timestamp: started,
    steps: [
      {
        name: 'OpenAI Chat Completion',
        type: 'chat_completion',
        provider: 'OpenAI',
        model: 'gpt-4o-mini',
        startTime: started,
        endTime: started + 850,
        promptTokens: Math.round(random() * 600),
        completionTokens: Math.round(random() * 300),
        modelParameters: { temperature: 0.2, max_tokens: 512 },
        inputs: {
          prompt: [
            { role: 'system', content: sentence(random, 25) },
            { role: 'user', content: sentence(random, 40) },
          ],
        },
      },
    ],
  };
  // Pad the answer so the JSON form lands at about TARGET_JSON_BYTES.
  let output = sentence(random, 60);
  const rest = TARGET_JSON_BYTES - JSON.stringify(trace).length;
  while (output.length < rest) output += ' ' + sentence(random, 8);
  trace['output'] = output.slice(0, Math.max(0, rest));
  return trace;
}

export function makeTraces(count: number, salt: string, from = 0): BenchTrace[] {
  const traces: BenchTrace[] = [];
  for (let i = 0; i < count; i++) traces.push(makeTrace(from + i, salt));
  return traces;
}

let baselineSeq = 0;

/** What a raw baseline writes per trace: an id and timestamp, like any buffer must. */
export function baselineRecord(traceData: BenchTrace): BaselineRecord {
  return {
    id: crypto.randomUUID(),
    traceData,
    config: TRACE_CONFIG,
    inferencePipelineId: PIPELINE_ID,
    timestamp: Date.now(),
    seq: baselineSeq++,
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Lets the event loop run: long loops in bench pages must yield (see BROWSERS.md). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
