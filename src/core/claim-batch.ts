import type { PassContext } from './pass-context.js';
import type { StoredTrace } from './record.js';
import type { AgeCursor } from './storage-backend.js';

/** Traces that failed this often are sent alone, so one poison trace cannot block a whole batch. */
export const ISOLATE_AFTER_ATTEMPTS = 3;

export interface Claim {
  batch: StoredTrace[];
  next: AgeCursor | undefined;
  /** No more records to look at in this pass. */
  exhausted: boolean;
}

export async function claimBatch(ctx: PassContext, batchSize: number, after: AgeCursor | undefined): Promise<Claim> {
  const now = Date.now();
  const picked: StoredTrace[] = [];
  const expired: StoredTrace[] = [];
  let cursor = after;
  scan: for (;;) {
    const page = await ctx.backend.readOldest(batchSize, cursor);
    ctx.reporter.corrupt(page.corrupt);
    if (page.records.length === 0) break;
    for (const record of page.records) {
      // Past the pass's snapshot: what follows was stored after it began.
      if (!ctx.storedBefore(record)) break scan;
      if (ctx.expiry?.isExpired(record)) {
        expired.push(record);
        cursor = record;
        continue;
      }
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
  await ctx.expiry?.drop(ctx.backend, expired);
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
