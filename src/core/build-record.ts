import { TraceBufferError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { BUFFER_VERSION, traceIdOf, type StoredTrace, type TraceData } from './record.js';
import { toJson, utf8Length } from './to-json.js';

/**
 * Turns what `storeTrace` or `publish` was given into the record a backend
 * keeps, or throws the typed error that says why it cannot be kept. Runs
 * before anything is queued, so bad input never touches what is buffered.
 */
export function buildRecord(
  options: Pick<ResolvedOptions, 'maxTraceBytes' | 'createdBy'>,
  id: string,
  input: { traceData: unknown; config: unknown; inferencePipelineId: unknown },
  seq: number,
): StoredTrace {
  const { traceData, config, inferencePipelineId } = input;
  requireObject(traceData, 'traceData');
  requireObject(config, 'config');
  if (inferencePipelineId !== null && (typeof inferencePipelineId !== 'string' || inferencePipelineId === '')) {
    throw new TraceBufferError(
      'NOT_SERIALIZABLE',
      `inferencePipelineId must be a non-empty string or null; got ${kindOf(inferencePipelineId)}.`,
      { details: { field: 'inferencePipelineId' } },
    );
  }
  const traceJson = toJson(traceData, 'traceData');
  const configJson = toJson(config, 'config');
  const sizeBytes = utf8Length(traceJson) + utf8Length(configJson);
  if (sizeBytes > options.maxTraceBytes) {
    throw new TraceBufferError(
      'TRACE_TOO_LARGE',
      `The trace is ${sizeBytes} bytes as JSON; maxTraceBytes allows ${options.maxTraceBytes}.`,
      { details: { sizeBytes, maxTraceBytes: options.maxTraceBytes } },
    );
  }
  return {
    id,
    traceId: traceIdOf({ id, traceData: traceData as TraceData }),
    // Stored in JSON form: what reads back is exactly what a sender will post.
    traceJson,
    configJson,
    inferencePipelineId,
    timestamp: Date.now(),
    attempts: 0,
    metadata: { bufferVersion: BUFFER_VERSION, createdBy: options.createdBy },
    seq,
    sizeBytes,
  };
}

function requireObject(value: unknown, field: 'traceData' | 'config'): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  throw new TraceBufferError('NOT_SERIALIZABLE', `${field} must be a plain object; got ${kindOf(value)}.`, {
    details: { field },
  });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
