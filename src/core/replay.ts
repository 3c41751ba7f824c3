import type { AgeCursor, StorageBackend } from './storage-backend.js';
import { classifyFailure, type DeliveryFailure, type SendResult } from './delivery.js';
import { storageError, TraceBufferError } from './errors.js';
import type { DropReason, TraceRef } from './events.js';
import { toBufferedTraces, type BufferedTrace, type CorruptRecord, type StoredTrace } from './record.js';

/** What `send` receives beside the batch. */
export interface SendContext {
  /** Aborted when the batch's lease is about to expire or the buffer closes: stop waiting then. */
  signal: AbortSignal;
  /** 1 for the first try of this batch in this replay. */
  attempt: number;
}

/**
 * Delivers one batch. Resolve (with nothing, or a `SendResult` for a partial
 * delivery) once the collector accepted it; reject, ideally with
 * `deliveryError`, if it did not.
 */
export type SendFunction = (traces: BufferedTrace[], context?: SendContext) => Promise<unknown>;

export interface FailedTrace {
  /** `traceData.inferenceId` when present, else the buffer id. */
  traceId: string;
  /** The buffer id, for `removeTrace`. */
  id: string;
  /** Why the last attempt failed. */
  error: string;
  /** Failed attempts persisted with the trace, this replay's included. */
  attempts: number;
  /** False when the collector refused the trace for good (then it was dropped with reason `rejected`). */
  retryable: boolean;
}

export interface ReplayResult {
  totalTraces: number;
  successCount: number;
  failureCount: number;
  failedTraces: FailedTrace[];
  /** Set when this replay did not run because another tab or worker of the origin is replaying. */
  skipped?: 'replaying-elsewhere';
}

/** What a pass tells the scheduler beside the result. */
export interface PassOutcome extends ReplayResult {
  /** A retryable failure ended or marked the pass: try again after a backoff. */
  retryLater: boolean;
  /** The longest `Retry-After` a failure asked for. */
  retryAfterMs?: number;
}

export interface PassOptions {
  send: SendFunction;
  /** Batches sent at once (at least 1). */
  concurrency: number;
  /** Attempts per batch within this pass (at least 1). */
  attemptsPerBatch: number;
  batchSize: number;
  /** Automatic replays stop at the first retryable failure instead of hammering a backend that is down. */
  stopOnRetryableFailure: boolean;
  onSuccess?: ((trace: BufferedTrace) => void) | undefined;
  onFailure?: ((trace: BufferedTrace, error: unknown) => void) | undefined;
}

/** What a pass needs from the buffer that runs it. */
export interface PassContext {
  backend: StorageBackend;
  instanceId: string;
  leaseMs: number;
  maxAttempts: number;
  /** Whether the pass runs under a cross-context lock (then others' leases are stale). */
  exclusive: boolean;
  /** Traces stored after the pass started wait for the next one. */
  storedBefore: (record: StoredTrace) => boolean;
  isKnownOffline: () => boolean;
  closing: AbortSignal;
  reportCorrupt: (corrupt: CorruptRecord[]) => void;
  reportError: (error: TraceBufferError) => void;
  delivered: (traces: TraceRef[]) => void;
  drop: (reason: DropReason, traces: TraceRef[], error?: TraceBufferError) => void;
  callback: <A extends unknown[]>(fn: ((...args: A) => void) | undefined, name: string, ...args: A) => void;
}

/** Traces that failed this often are sent alone, so one poison trace cannot block a whole batch. */
export const ISOLATE_AFTER_ATTEMPTS = 3;
/** Margin before a lease expires at which a still-running send is told to give up. */
const LEASE_MARGIN = 0.8;

/**
 * One replay pass: claim the oldest batch, send it, remove what was delivered
 * (by id, never by position), repeat. Removal happens only after `send`
 * resolved, so a replayer that dies mid-send leaves its batch in storage:
 * under Web Locks its lock dies with it, and without them a lease written
 * before the send tells the next replayer when to take over. Delivery is at
 * least once.
 */
export async function runReplayPass(ctx: PassContext, options: PassOptions): Promise<PassOutcome> {
  const outcome: PassOutcome = {
    totalTraces: 0,
    successCount: 0,
    failureCount: 0,
    failedTraces: [],
    retryLater: false,
  };
  // Several batches are in flight at once (`concurrency`): a send mostly
  // waits on the network, and one at a time the drain would wait for every
  // round trip in turn. Under the origin's replay lock a claim is a plain read,
  // so the next batch is read while others are being sent; a delivered batch
  // is removed while the next ones are being sent. (With leases a claim writes,
  // and a lease must not be taken before it is needed.) Each batch is removed
  // only after its own send resolved: a replayer that dies at any point loses
  // nothing, and at most the batches in flight are delivered twice.
  const prefetch = ctx.exclusive;
  const inFlight: { batch: StoredTrace[]; traces: BufferedTrace[]; delivery: Promise<Delivery> }[] = [];
  let next: Promise<Claim> | undefined = claimBatch(ctx, options.batchSize, undefined);
  let cursor: AgeCursor | undefined;
  let exhausted = false;
  let stopping = false;
  let settling: Promise<void> | undefined;
  try {
    for (;;) {
      while (!stopping && !exhausted && inFlight.length < options.concurrency) {
        const claim: Claim = await (next ?? claimBatch(ctx, options.batchSize, cursor));
        next = undefined;
        cursor = claim.next;
        if (claim.batch.length === 0) {
          exhausted = claim.exhausted;
          continue;
        }
        // A record whose JSON text no longer parses is reported and left stored, like any unreadable one.
        const read = toBufferedTraces(claim.batch);
        ctx.reportCorrupt(read.corrupt);
        if (read.traces.length > 0) {
          const batch = read.traces.map(({ record }) => record);
          const traces = read.traces.map(({ trace }) => trace);
          outcome.totalTraces += batch.length;
          inFlight.push({ batch, traces, delivery: deliver(ctx, options, batch, traces) });
        }
        if (prefetch) next = claimBatch(ctx, options.batchSize, cursor);
      }
      const oldest = inFlight.shift();
      if (!oldest) break;
      const result = await oldest.delivery;
      // Batches settle in order: the previous one's removal ends before this one's begins.
      await settling;
      settling = settle(ctx, options, oldest.batch, oldest.traces, result, outcome);
      if (result.failures.size > 0 && [...result.failures.values()].some((f) => f.retryable)) {
        // A failing collector: settle this batch before deciding whether to go on.
        await settling;
        settling = undefined;
        outcome.retryLater = true;
        // The batches already sent are still awaited and settled below.
        if (options.stopOnRetryableFailure) stopping = true;
      }
      if (ctx.closing.aborted) stopping = true;
    }
    await settling;
    settling = undefined;
  } finally {
    // Still in flight here: a batch read ahead and not sent (its records stay
    // as they were), or, when something threw, sends and removals. Let them
    // finish (a removal must not be cut off) and report what failed: the
    // error that got us here, if any, is the one the caller hears.
    const pending = [settling, next, ...inFlight.map((batch) => batch.delivery)];
    for (const work of pending) {
      if (!work) continue;
      await (work as Promise<unknown>).then(
        () => undefined,
        (error: unknown) => ctx.reportError(storageError(error, 'finishing the read-ahead or removal of a replay')),
      );
    }
  }
  return outcome;
}

interface Claim {
  batch: StoredTrace[];
  next: AgeCursor | undefined;
  /** No more records to look at in this pass. */
  exhausted: boolean;
}

async function claimBatch(ctx: PassContext, batchSize: number, after: AgeCursor | undefined): Promise<Claim> {
  const now = Date.now();
  const picked: StoredTrace[] = [];
  let cursor = after;
  scan: for (;;) {
    const page = await ctx.backend.readOldest(batchSize, cursor);
    ctx.reportCorrupt(page.corrupt);
    if (page.records.length === 0) break;
    for (const record of page.records) {
      // Past the pass's snapshot: what follows was stored after it began.
      if (!ctx.storedBefore(record)) break scan;
      const leasedElsewhere =
        !ctx.exclusive && record.lease && record.lease.owner !== ctx.instanceId && record.lease.expiresAt > now;
      if (leasedElsewhere) {
        cursor = record;
        continue;
      }
      // A trace that keeps failing goes alone (see ISOLATE_AFTER_ATTEMPTS).
      const isolated = record.attempts >= ISOLATE_AFTER_ATTEMPTS;
      if (isolated && picked.length > 0) break scan;
      picked.push(record);
      cursor = record;
      if (isolated || picked.length >= batchSize) break scan;
    }
  }
  if (picked.length === 0) return { batch: [], next: cursor, exhausted: true };
  // Under the lock no other replayer runs, and one that dies releases the
  // lock with its life: a lease would protect nothing and cost a rewrite of
  // every record of the batch.
  if (ctx.exclusive) return { batch: picked, next: cursor, exhausted: false };
  // The lease is written before sending: if this context dies mid-send, the
  // record says who had it and until when.
  const lease = { owner: ctx.instanceId, expiresAt: now + ctx.leaseMs };
  const leased = picked.map((record) => ({ ...record, lease }));
  const updated = new Set(await ctx.backend.update(leased));
  return { batch: leased.filter((record) => updated.has(record.id)), next: cursor, exhausted: false };
}

interface Delivery {
  /** Failures by buffer id; every other trace of the batch was delivered. */
  failures: Map<string, DeliveryFailure>;
  error?: unknown;
}

async function deliver(
  ctx: PassContext,
  options: PassOptions,
  batch: StoredTrace[],
  traces: BufferedTrace[],
): Promise<Delivery> {
  let last: Delivery = { failures: new Map() };
  for (let attempt = 1; attempt <= options.attemptsPerBatch; attempt++) {
    const controller = new AbortController();
    const abort = (): void => controller.abort(new TraceBufferError('CLOSED', 'The buffer is closing.'));
    ctx.closing.addEventListener('abort', abort);
    const timer = setTimeout(
      () =>
        controller.abort(
          new TraceBufferError('SEND_FAILED', `send did not settle within the lease (${ctx.leaseMs} ms).`),
        ),
      ctx.leaseMs * LEASE_MARGIN,
    );
    try {
      // A send that ignores its signal is not waited for past it: the batch
      // stays buffered (its lease cleared) and close() cannot hang on it.
      const result = (await Promise.race([
        options.send(traces, { signal: controller.signal, attempt }),
        rejectOnAbort(controller.signal),
      ])) as SendResult | undefined;
      last = { failures: partialFailures(result, batch) };
    } catch (error) {
      const failure = classifyFailure(error);
      last = { failures: new Map(batch.map((record) => [record.id, failure])), error };
    } finally {
      clearTimeout(timer);
      ctx.closing.removeEventListener('abort', abort);
    }
    const retryable = [...last.failures.values()].some((failure) => failure.retryable);
    if (last.failures.size === 0 || !retryable || ctx.closing.aborted) break;
  }
  return last;
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

function partialFailures(result: SendResult | undefined, batch: StoredTrace[]): Map<string, DeliveryFailure> {
  const failures = new Map<string, DeliveryFailure>();
  if (!result || typeof result !== 'object' || !Array.isArray(result.failed)) return failures;
  const ids = new Set(batch.map((record) => record.id));
  for (const failed of result.failed) {
    if (!ids.has(failed.id)) continue;
    const failure: DeliveryFailure = { message: failed.reason, retryable: failed.retryable !== false };
    if (failed.status !== undefined) failure.status = failed.status;
    if (result.retryAfterMs !== undefined) failure.retryAfterMs = result.retryAfterMs;
    failures.set(failed.id, failure);
  }
  return failures;
}

async function settle(
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
  // Attempts made while the browser knows it is offline, or cut short by
  // close(), do not count.
  const counts = !ctx.isKnownOffline() && !ctx.closing.aborted;
  for (const record of batch) {
    const failure = failures.get(record.id);
    if (!failure) continue;
    if (failure.retryAfterMs !== undefined) {
      outcome.retryAfterMs = Math.max(outcome.retryAfterMs ?? 0, failure.retryAfterMs);
    }
    const attempts = record.attempts + (counts ? 1 : 0);
    const next = { ...record, attempts, lease: null };
    if (!failure.retryable) rejected.push(next);
    else if (attempts >= ctx.maxAttempts) exhausted.push(next);
    else retry.push(next);
    outcome.failureCount++;
    outcome.failedTraces.push({
      traceId: record.traceId,
      id: record.id,
      error: failure.message,
      attempts,
      retryable: failure.retryable,
    });
  }
  if (delivered.length > 0) {
    await ctx.backend.remove(delivered.map((record) => record.id));
    outcome.successCount += delivered.length;
    ctx.delivered(delivered.map(refOf));
    batch.forEach((record, i) => {
      if (!failures.has(record.id)) ctx.callback(options.onSuccess, 'onReplaySuccess', traces[i]!);
    });
  }
  if (retry.length > 0) await ctx.backend.update(retry);
  const gone = [...rejected, ...exhausted];
  if (gone.length > 0) await ctx.backend.remove(gone.map((record) => record.id));
  const firstFailure = failures.values().next().value;
  if (firstFailure) {
    const status = firstFailure.status === undefined ? '' : ` (status ${firstFailure.status})`;
    const failureError = new TraceBufferError(
      'SEND_FAILED',
      `Delivering ${failures.size} of ${batch.length} buffered traces failed${status}: ${firstFailure.message}`,
      { cause: error, details: { ...firstFailure } },
    );
    ctx.reportError(failureError);
    if (rejected.length > 0) ctx.drop('rejected', rejected.map(refOf), failureError);
    if (exhausted.length > 0) ctx.drop('exhausted', exhausted.map(refOf), failureError);
  }
  batch.forEach((record, i) => {
    const failure = failures.get(record.id);
    if (failure) ctx.callback(options.onFailure, 'onReplayFailure', traces[i]!, error ?? new Error(failure.message));
  });
}

export function refOf(record: Pick<StoredTrace, 'id' | 'traceId'>): TraceRef {
  return { id: record.id, traceId: record.traceId };
}
