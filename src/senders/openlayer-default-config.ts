import type { JsonValue } from '../core/record.js';

type Row = { [key: string]: JsonValue };

/**
 * The columns openlayer-ts's tracer writes into every row itself
 * (`postProcessTrace`); every other top-level key of such a row is one of the
 * trace's input variables, which it spreads into the row.
 */
const TRACER_COLUMNS = new Set([
  'inferenceTimestamp',
  'inferenceId',
  'output',
  'groundTruth',
  'latency',
  'cost',
  'tokens',
  'steps',
  'metadata',
  'session_id',
  'user_id',
]);

/**
 * Openlayer's default LLM column config, for traces stored without a config
 * (`{}`, which the data-stream API refuses). It is the config openlayer-ts's
 * tracer sends with every row: `buildStreamConfig` in
 * openlayer-ai/openlayer-ts `src/lib/tracing/tracer.ts` (release 0.30.0), same
 * keys in the same order, `sessionIdColumnName`/`userIdColumnName` only when a
 * row has a `session_id`/`user_id`. The tracer knows its input variables; here
 * they are read back from the rows (the keys that are not its own columns,
 * across the rows of one request), which gives the tracer's list for its rows.
 */
export function defaultLlmConfig(rows: Row[]): { [key: string]: JsonValue } {
  const inputs = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (!TRACER_COLUMNS.has(key)) inputs.add(key);
  const config: { [key: string]: JsonValue } = {
    outputColumnName: 'output',
    inputVariableNames: [...inputs],
    groundTruthColumnName: 'groundTruth',
    latencyColumnName: 'latency',
    costColumnName: 'cost',
    timestampColumnName: 'inferenceTimestamp',
    inferenceIdColumnName: 'inferenceId',
    numOfTokenColumnName: 'tokens',
  };
  if (rows.some((row) => row['session_id'] != null)) config['sessionIdColumnName'] = 'session_id';
  if (rows.some((row) => row['user_id'] != null)) config['userIdColumnName'] = 'user_id';
  return config;
}
