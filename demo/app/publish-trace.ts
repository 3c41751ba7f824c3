import type { TraceData } from 'offline-trace-buffer';
import { postTraces } from './collector-client.js';
import type { DemoBuffer } from './demo-buffer.js';

export type PublishOutcome =
  { kind: 'sent' } | { kind: 'buffered'; reason: string } | { kind: 'dropped'; reason: string };

/**
 * Openlayer's tracer flow: publish the trace now, and buffer it if that
 * fails. Known-offline skips the doomed request. (When the library gains
 * `buffer.publish`, this whole function becomes that one call.)
 */
export async function publishTrace(
  buffer: DemoBuffer,
  traceData: TraceData & { inferenceId: string },
): Promise<PublishOutcome> {
  let reason = 'the browser is offline';
  if (navigator.onLine) {
    try {
      await postTraces([
        {
          traceId: traceData.inferenceId,
          traceData,
          config: {},
          inferencePipelineId: null,
          bufferedAt: null,
          attempts: 0,
        },
      ]);
      return { kind: 'sent' };
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  const kept = await buffer.storeTrace(traceData);
  return kept
    ? { kind: 'buffered', reason }
    : { kind: 'dropped', reason: 'the buffer did not keep it (see the status panel)' };
}
