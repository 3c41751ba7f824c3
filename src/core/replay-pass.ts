import { claimBatch, type Claim } from './claim-batch.js';
import { storageError } from './errors.js';
import { readTraces } from './compressed-body.js';
import type { BufferedTrace, StoredTrace } from './record.js';
import type { DeliveryFailure } from './delivery.js';
import type { Delivery } from './send-batch.js';
import { settleBatch } from './settle-batch.js';
import { deliverSplitting } from './split-delivery.js';
import type { AgeCursor } from './storage-backend.js';
import type { PassContext, PassOptions, PassOutcome } from './pass-context.js';

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
  // With a rate, the wait between batches dwarfs a read: nothing is read ahead to grow stale meanwhile.
  const prefetch = ctx.exclusive && !ctx.pace;
  const inFlight: { batch: StoredTrace[]; traces: BufferedTrace[]; delivery: Promise<Delivery> }[] = [];
  // `replayRate`: a batch claimed waits its turn before it is sent (a pass
  // with nothing left ends without a wait), and a lease written for it lasts
  // the wait too. What is in flight is settled before any wait: its failure
  // may end the pass.
  const claimNext = (after: AgeCursor | undefined): Promise<Claim> =>
    claimBatch(
      ctx.pace && !ctx.exclusive ? { ...ctx, leaseMs: ctx.leaseMs + ctx.pace.waitMs() } : ctx,
      options.batchSize,
      after,
    );
  let next: Promise<Claim> | undefined = claimNext(undefined);
  let cursor: AgeCursor | undefined;
  let exhausted = false;
  let stopping = false;
  let settling: Promise<void> | undefined;
  try {
    for (;;) {
      while (!stopping && !exhausted && inFlight.length < options.concurrency) {
        const claim: Claim = await (next ?? claimNext(cursor));
        next = undefined;
        cursor = claim.next;
        if (claim.batch.length === 0) {
          exhausted = claim.exhausted;
          continue;
        }
        if (ctx.pace && !ctx.pace.ready()) {
          if (inFlight.length > 0) {
            next = Promise.resolve(claim);
            break;
          }
          await ctx.pace.wait(ctx.closing);
        }
        // pause() or close() may come while a pass is under way (waiting for its lock, opening the
        // store, pacing): nothing is sent after it, and this batch's lease, if one was written, is let go.
        if (ctx.closing.aborted || ctx.isPaused()) {
          if (!ctx.exclusive) await ctx.backend.update(claim.batch.map((record) => ({ ...record, lease: null })));
          stopping = true;
          break;
        }
        // A record whose text no longer decompresses or parses is reported and left stored, like any
        // unreadable one. The batch settles as stored (still compressed): only the traces are read out.
        const read = await readTraces(claim.batch, ctx.platform);
        ctx.reporter.corrupt(read.corrupt);
        if (read.traces.length > 0) {
          const batch = read.traces.map(({ record }) => record);
          const traces = read.traces.map(({ trace }) => trace);
          outcome.totalTraces += batch.length;
          ctx.pace?.spend(
            batch.length,
            batch.reduce((bytes, record) => bytes + record.sizeBytes, 0),
          );
          inFlight.push({ batch, traces, delivery: deliverWithRetries(ctx, options, traces) });
        }
        if (prefetch) next = claimBatch(ctx, options.batchSize, cursor);
      }
      const oldest = inFlight.shift();
      if (!oldest) break;
      const result = await oldest.delivery;
      // Batches settle in order: the previous one's removal ends before this one's begins.
      await settling;
      settling = settleBatch(ctx, options, oldest.batch, oldest.traces, result, outcome);
      if (result.failures.size > 0 && [...result.failures.values()].some((f) => f.retryable)) {
        // A failing collector: settle this batch before deciding whether to go on.
        await settling;
        settling = undefined;
        outcome.retryLater = true;
        // The batches already sent are still awaited and settled below.
        if (options.stopOnRetryableFailure) stopping = true;
      }
      // A block (401, 404, no network) would meet every batch: the timer, `online` or resume() try again.
      if ([...result.failures.values()].some((f) => f.blocked)) stopping = true;
      if (ctx.closing.aborted || ctx.isPaused()) stopping = true;
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
        (error: unknown) => ctx.reporter.error(storageError(error, 'finishing the read-ahead or removal of a replay')),
      );
    }
  }
  return outcome;
}

/**
 * Sends one batch (split while refused whole, see split-delivery.ts), trying
 * again within the pass what failed retryably. Only those are sent again:
 * what an attempt delivered stays delivered, not sent twice.
 */
async function deliverWithRetries(ctx: PassContext, options: PassOptions, traces: BufferedTrace[]): Promise<Delivery> {
  const failures = new Map<string, DeliveryFailure>();
  let error: unknown;
  let pending = traces;
  for (let attempt = 1; attempt <= options.attemptsPerBatch && pending.length > 0; attempt++) {
    const last = await deliverSplitting({
      send: options.send,
      traces: pending,
      attempt,
      leaseMs: ctx.leaseMs,
      closing: ctx.closing,
    });
    for (const trace of pending) failures.delete(trace.id);
    for (const [id, failure] of last.failures) failures.set(id, failure);
    if (last.failures.size > 0) error = last.error;
    const outcomes = [...last.failures.values()];
    // A block would meet the next attempt too: the timer, `online` or resume() try again.
    if (ctx.closing.aborted || outcomes.some((failure) => failure.blocked)) break;
    pending = pending.filter((trace) => last.failures.get(trace.id)?.retryable === true);
  }
  return error === undefined ? { failures } : { failures, error };
}
