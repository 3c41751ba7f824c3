import type { ClosingSignal } from './closing.js';
import { deliveryError, type SendFunction } from './delivery.js';
import type { DeadLetters } from './dead-letters.js';
import type { DeliveryBlock } from './delivery-block.js';
import { TraceBufferError } from './errors.js';
import type { TraceRef } from './events.js';
import type { ResolvedOptions } from './options.js';
import { refOf, toBufferedTrace, type StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import { deliverSplitting } from './split-delivery.js';
import type { PublishOutcome } from './trace-buffer-api.js';

export interface PublishParts {
  options: Pick<ResolvedOptions, 'leaseMs' | 'onFlushFailure'>;
  reporter: Reporter;
  closing: ClosingSignal;
  /** Sending is not tried when the platform knows it is offline, or the buffer is closing. */
  skipSending: () => boolean;
  delivered: (traces: TraceRef[]) => void;
  block: DeliveryBlock;
  deadLetters: DeadLetters;
  enqueue: (record: StoredTrace) => Promise<boolean>;
}

/**
 * Sends one trace now and buffers it if that fails (Openlayer's tracer hook),
 * through the same delivery step as replay: the same lease, the same abort on
 * close, the same reading of a partial result. `onFlushFailure` hears every
 * failure first. Only a per-row verdict (`{ failed: [...] }` refusing this
 * trace) keeps it apart as a dead letter (or drops it, reason `rejected`, with
 * dead letters off; if the dead letter cannot be written it is buffered); every thrown failure buffers it, as
 * Openlayer's tracer does: a whole request refused (a 400 for one bad field
 * of the request, a 413) says too little about the trace to delete it, and
 * replay judges it later, alone if need be.
 */
export async function publish(parts: PublishParts, record: StoredTrace, send: SendFunction): Promise<PublishOutcome> {
  const { options, reporter } = parts;
  if (!parts.skipSending()) {
    const trace = toBufferedTrace(record);
    const { failures, error } = await deliverSplitting({
      send,
      traces: [trace],
      attempt: 1,
      leaseMs: options.leaseMs,
      closing: parts.closing,
    });
    const failure = failures.get(record.id);
    if (!failure) {
      parts.block.clear();
      parts.delivered([refOf(record)]);
      return 'delivered';
    }
    // A partial result names the failure without throwing: the callback still gets an error.
    const thrown =
      error ??
      deliveryError({
        message: failure.message,
        retryable: failure.retryable,
        blocked: failure.blocked,
        ...(failure.status !== undefined && { status: failure.status }),
      });
    reporter.callback(options.onFlushFailure, 'onFlushFailure', trace.traceData, trace.config, thrown);
    if (error === undefined && !failure.retryable) {
      const rejected = new TraceBufferError('SEND_FAILED', `The collector refused the trace: ${failure.message}`, {
        cause: thrown,
        details: { ...failure },
      });
      const info = { ...(failure.status !== undefined && { status: failure.status }), message: failure.message };
      const refusal = await parts.deadLetters.refuse([{ record, info: { ...info, at: Date.now() } }]);
      reporter.error(rejected);
      if (refusal === 'dead-lettered') return 'dead-lettered';
      if (refusal === 'dropped') {
        reporter.drop('rejected', [refOf(record)], rejected);
        return 'dropped';
      }
      // 'kept': the dead letter could not be written, so the trace is buffered below.
    } else if (failure.blocked) parts.block.block(failure, thrown);
    else {
      // Buffered below; still worth a report, so the status says why sends fail (a block says it once).
      reporter.error(
        new TraceBufferError('SEND_FAILED', `Sending the trace failed, so it is buffered: ${failure.message}`, {
          cause: thrown,
          details: { ...failure },
        }),
      );
    }
  }
  return (await parts.enqueue(record)) ? 'buffered' : 'dropped';
}
