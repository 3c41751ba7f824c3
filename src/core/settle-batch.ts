import { TraceBufferError } from './errors.js';
import { refOf, type BufferedTrace, type StoredTrace } from './record.js';
import type { PassContext, PassOptions, PassOutcome } from './pass-context.js';
import type { Delivery } from './send-batch.js';

/**
 * After a send: removes what was delivered (by id), writes the attempt count
 * of what will be retried, moves what the collector refused for good to the
 * dead letters, and removes, reporting why, what ran out of attempts (or was
 * refused with dead letters off). Callbacks run last.
 */
export async function settleBatch(
  ctx: PassContext,
  options: PassOptions,
  batch: StoredTrace[],
  traces: BufferedTrace[],
  { failures, error }: Delivery,
  outcome: PassOutcome,
): Promise<void> {
  const delivered = batch.filter((record) => !failures.has(record.id));
  const retry: StoredTrace[] = [];
  const rejected: StoredTrace[] = [];
  const exhausted: StoredTrace[] = [];
  // Blocked: the answer said nothing about these traces; they stay as they were.
  const blocked: StoredTrace[] = [];
  // Attempts made while the browser knows it is offline, or cut short by
  // close(), do not count.
  const counts = !ctx.isKnownOffline() && !ctx.closing.aborted;
  for (const record of batch) {
    const failure = failures.get(record.id);
    if (!failure) continue;
    if (failure.retryAfterMs !== undefined) {
      outcome.retryAfterMs = Math.max(outcome.retryAfterMs ?? 0, failure.retryAfterMs);
    }
    // A blocked trace keeps its attempts: the answer was not about it.
    const attempts = record.attempts + (counts && !failure.blocked ? 1 : 0);
    outcome.failureCount++;
    outcome.failedTraces.push({
      traceId: record.traceId,
      id: record.id,
      error: failure.message,
      attempts,
      retryable: failure.retryable,
      ...(failure.blocked && { blocked: true }),
    });
    if (failure.blocked) {
      blocked.push(record);
      continue;
    }
    const next = { ...record, attempts, lease: null };
    if (!failure.retryable) rejected.push(next);
    else if (attempts >= ctx.maxAttempts) exhausted.push(next);
    else retry.push(next);
  }
  if (delivered.length > 0) {
    await ctx.backend.remove(delivered.map((record) => record.id));
    outcome.successCount += delivered.length;
    ctx.delivered(delivered.map(refOf));
    batch.forEach((record, i) => {
      if (!failures.has(record.id)) ctx.reporter.callback(options.onSuccess, 'onReplaySuccess', traces[i]!);
    });
  }
  // SEND_FAILED is for what was judged; a block is reported once, below.
  const judged = [...failures.values()].filter((failure) => !failure.blocked);
  const firstFailure = judged[0];
  const status = firstFailure?.status === undefined ? '' : ` (status ${firstFailure.status})`;
  const failureError =
    firstFailure &&
    new TraceBufferError(
      'SEND_FAILED',
      `Delivering ${judged.length} of ${batch.length} buffered traces failed${status}: ${firstFailure.message}`,
      { cause: error, details: { ...firstFailure } },
    );
  // Refused traces are written as dead letters before they leave the queue: a
  // crash between leaves a copy in both, never none. If that write fails they stay queued.
  const at = Date.now();
  const refusal =
    rejected.length > 0
      ? await ctx.deadLetters.refuse(
          rejected.map((record) => {
            const { status: code, message } = failures.get(record.id)!;
            return { record, info: { ...(code !== undefined && { status: code }), message, at } };
          }),
        )
      : undefined;
  if (refusal === 'kept') retry.push(...rejected);
  // A lease written for this send is let go; without one there is nothing to write.
  retry.push(...blocked.filter((record) => record.lease).map((record) => ({ ...record, lease: null })));
  if (retry.length > 0) await ctx.backend.update(retry);
  const gone = [...(refusal === 'kept' ? [] : rejected), ...exhausted];
  if (gone.length > 0) await ctx.backend.remove(gone.map((record) => record.id));
  const firstBlocked = blocked.length > 0 ? failures.get(blocked[0]!.id) : undefined;
  if (firstBlocked) ctx.block.block(firstBlocked, error);
  else if (delivered.length > 0) ctx.block.clear();
  if (failureError) {
    ctx.reporter.error(failureError);
    if (refusal === 'dropped') ctx.reporter.drop('rejected', rejected.map(refOf), failureError);
    if (exhausted.length > 0) ctx.reporter.drop('exhausted', exhausted.map(refOf), failureError);
  }
  batch.forEach((record, i) => {
    const failure = failures.get(record.id);
    if (failure)
      ctx.reporter.callback(options.onFailure, 'onReplayFailure', traces[i]!, error ?? new Error(failure.message));
  });
}
