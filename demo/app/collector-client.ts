import { deliveryError, parseRetryAfter, type BufferedTrace, type SendContext } from 'offline-trace-buffer';
import {
  COLLECTOR_OUTAGE_PATH,
  COLLECTOR_TRACES_PATH,
  type CollectorState,
  type DeliveredTrace,
  type PostTracesAnswer,
} from '../shared/collector-protocol.js';

/** A collector that has not answered by then is treated as unreachable; the trace stays buffered. */
const POST_TIMEOUT_MS = 5_000;

/**
 * Posts traces to the demo's collector. Failures are thrown as the library's
 * `deliveryError`, carrying the status and `Retry-After`, so the buffer can
 * tell a retryable outage from a rejection and honour `Retry-After`. Runs in
 * the page and in the worker. `signal` is the buffer's: it aborts when the
 * batch's lease runs out or the buffer closes.
 */
async function postTraces(traces: DeliveredTrace[], signal?: AbortSignal): Promise<PostTracesAnswer> {
  let response: Response;
  try {
    response = await fetch(COLLECTOR_TRACES_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ traces }),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(POST_TIMEOUT_MS)])
        : AbortSignal.timeout(POST_TIMEOUT_MS),
    });
  } catch (error) {
    throw deliveryError({ message: `the collector could not be reached (${describe(error)})`, cause: error });
  }
  if (!response.ok) {
    throw deliveryError({
      status: response.status,
      retryAfterMs: parseRetryAfter(response.headers.get('Retry-After')),
    });
  }
  return (await response.json()) as PostTracesAnswer;
}

/** The buffer's `send`: one POST per batch, for `publish` and for replays alike. */
export function sendBufferedTraces(traces: BufferedTrace[], context?: SendContext): Promise<PostTracesAnswer> {
  return postTraces(
    traces.map((trace) => ({
      traceId: typeof trace.traceData['inferenceId'] === 'string' ? trace.traceData['inferenceId'] : trace.id,
      traceData: trace.traceData,
      config: trace.config,
      inferencePipelineId: trace.inferencePipelineId,
      bufferedAt: trace.timestamp,
      attempts: trace.attempts,
    })),
    context?.signal,
  );
}

export async function fetchCollectorState(limit = 20): Promise<CollectorState> {
  const response = await fetch(`${COLLECTOR_TRACES_PATH}?limit=${limit}`, {
    signal: AbortSignal.timeout(POST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`the collector answered ${response.status}`);
  return (await response.json()) as CollectorState;
}

export async function setCollectorOutage(down: boolean): Promise<boolean> {
  const response = await fetch(COLLECTOR_OUTAGE_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ down }),
  });
  if (!response.ok) throw new Error(`the collector answered ${response.status}`);
  return ((await response.json()) as { outage: boolean }).outage;
}

function describe(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${POST_TIMEOUT_MS} ms`;
  return error instanceof Error ? error.message : String(error);
}
