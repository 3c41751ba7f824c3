// The README's "Install and use", "Options" and "Errors" examples, as a page writes them.
import { createTraceBuffer, deliveryError, isTraceBufferError, openlayerSender } from 'offline-trace-buffer';
import type { BufferStatus, PublishOutcome, ReplayResult } from 'offline-trace-buffer';

declare const traceData: Record<string, unknown>;
declare const config: Record<string, unknown>;
declare const inferencePipelineId: string;

const buffer = createTraceBuffer({
  name: 'my-app',
  maxBufferSize: 1000,
  send: async (traces) => {
    const response = await fetch('/api/traces', { method: 'POST', body: JSON.stringify(traces) });
    if (!response.ok) throw new Error(`collector answered ${response.status}`);
  },
  onError: (error) => console.warn(error.code, error.message),
});

// In your tracer: send now, buffer if that fails (Openlayer's hook).
const outcome: PublishOutcome = await buffer.publish(traceData, config, inferencePipelineId);
// Or buffer directly, the Openlayer way:
const stored: boolean = await buffer.storeTrace(traceData, config, inferencePipelineId);

// `send` as the options table describes it: `(traces, { signal, attempt }) => Promise`.
const withContext = createTraceBuffer({
  name: 'with-context',
  durability: 'relaxed',
  send: async (traces, { signal, attempt }) => {
    const response = await fetch('/api/traces', {
      method: 'POST',
      headers: { 'X-Attempt': String(attempt) },
      body: JSON.stringify(traces),
      signal,
    });
    if (response.status === 207) {
      return { failed: traces.slice(1).map((trace) => ({ id: trace.id, reason: 'rejected', retryable: false })) };
    }
    if (!response.ok) throw deliveryError({ status: response.status, retryAfterMs: 1000 });
    return undefined;
  },
});

const proxied = createTraceBuffer({
  send: openlayerSender({ baseURL: '/openlayer-proxy', inferencePipelineId: 'YOUR_PIPELINE_ID' }),
});

const result: ReplayResult = await withContext.replayBufferedTraces({ maxRetries: 3, batchSize: 10 });
const status: BufferStatus = await proxied.getBufferStatus();
const stop = buffer.subscribe((event) => {
  if (event.type === 'dropped') console.warn(event.reason);
});
try {
  await buffer.storeTrace({ prompt: 'x'.repeat(2_000_000) });
} catch (error) {
  if (isTraceBufferError(error, 'TRACE_TOO_LARGE')) console.warn(error.message);
}
stop();
console.log(outcome, stored, result.successCount, status.backend, status.dropped.quota);
