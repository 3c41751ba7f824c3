import type { ClosingSignal } from './closing.js';
import {
  classifyFailure,
  isBlockingStatus,
  type DeliveryFailure,
  type SendFunction,
  type SendResult,
} from './delivery.js';
import { TraceBufferError } from './errors.js';
import type { BufferedTrace } from './record.js';

/** Margin before a lease expires at which a still-running send is told to give up. */
const LEASE_MARGIN = 0.8;

export interface SendAttempt {
  send: SendFunction;
  traces: BufferedTrace[];
  /** 1 for the first try. */
  attempt: number;
  leaseMs: number;
  /** Aborted when the buffer closes. */
  closing: ClosingSignal;
}

/** What one attempt did. */
export interface Delivery {
  /** Failures by buffer id; every other trace of the batch was delivered. */
  failures: Map<string, DeliveryFailure>;
  /** What `send` threw, when it threw. */
  error?: unknown;
}

/**
 * The one delivery step, for `publish` and replay alike: calls `send` once
 * with a signal that aborts before the lease runs out or when the buffer
 * closes, and classifies what came back. A send that ignores its signal is not
 * waited for past it: its traces stay buffered and close() cannot hang on it.
 */
export async function sendBatch({ send, traces, attempt, leaseMs, closing }: SendAttempt): Promise<Delivery> {
  const controller = new AbortController();
  const abort = (): void => controller.abort(new TraceBufferError('CLOSED', 'The buffer is closing.'));
  closing.addEventListener('abort', abort);
  // A step begun while the buffer closes gets a signal aborted already, not one that never fires.
  if (closing.aborted) abort();
  const timer = setTimeout(
    () =>
      controller.abort(new TraceBufferError('SEND_FAILED', `send did not settle within the lease (${leaseMs} ms).`)),
    leaseMs * LEASE_MARGIN,
  );
  try {
    const result = (await Promise.race([
      send(traces, { signal: controller.signal, attempt }),
      rejectOnAbort(controller.signal),
    ])) as SendResult | undefined;
    return { failures: partialFailures(result, traces) };
  } catch (error) {
    const failure = classifyFailure(error);
    return { failures: new Map(traces.map((trace) => [trace.id, failure])), error };
  } finally {
    clearTimeout(timer);
    closing.removeEventListener('abort', abort);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** The traces a `SendResult` names as not delivered; ids not in the batch are ignored. */
function partialFailures(result: SendResult | undefined, traces: BufferedTrace[]): Map<string, DeliveryFailure> {
  const failures = new Map<string, DeliveryFailure>();
  if (!result || typeof result !== 'object' || !Array.isArray(result.failed)) return failures;
  const ids = new Set(traces.map((trace) => trace.id));
  for (const failed of result.failed) {
    if (!ids.has(failed.id)) continue;
    const blocked = failed.blocked ?? (failed.status !== undefined && isBlockingStatus(failed.status));
    const failure: DeliveryFailure = {
      message: failed.reason,
      retryable: blocked || failed.retryable !== false,
      blocked,
    };
    if (failed.status !== undefined) failure.status = failed.status;
    if (result.retryAfterMs !== undefined) failure.retryAfterMs = result.retryAfterMs;
    failures.set(failed.id, failure);
  }
  return failures;
}
