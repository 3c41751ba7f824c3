import type { AgeCursor } from '../../core/storage-backend.js';
import type { StoredTrace } from '../../core/record.js';
import type { Totals } from './schema.js';
import { sameTotals } from './totals.js';

/** Most record sizes remembered from reads (see `knownSizes`); bounds the memory it holds. */
const KNOWN_SIZES_LIMIT = 4_096;

/**
 * What one backend instance remembers of the store between steps, to save
 * round trips. Never trusted on its own: each guess is checked by a read in the
 * transaction that uses it, because other tabs and workers write too.
 */
export interface InstanceMemory {
  // Sizes of the records this instance read last. A replay removes exactly the
  // records it has just read; knowing their sizes, `remove` checks that each is
  // still there by key instead of reading every value back (2 KB each) only to
  // learn its size, which made a drain read everything twice. A record's size
  // never changes once stored: `update` only rewrites attempts.
  readonly knownSizes: Map<string, number>;
  // The running totals as this instance last wrote or read them; see insert.
  // Only ever a guess that a read in the same transaction confirms.
  lastTotals: Totals | undefined;
  // The age of the last record this instance evicted; see insert.
  evictAfter: AgeCursor | undefined;
}

export function emptyInstanceMemory(): InstanceMemory {
  return { knownSizes: new Map(), lastTotals: undefined, evictAfter: undefined };
}

// Called with the totals read by every step: if they are not the ones this
// instance last saw, another instance wrote, perhaps a trace older than
// `evictAfter`, which is then no longer a safe place to start from.
export function noticeWrites(memory: InstanceMemory, read: Totals | undefined): void {
  if (!sameTotals(read, memory.lastTotals)) memory.evictAfter = undefined;
}

/** The age-index range just past `evictAfter`. */
export function pastLastEviction(after: AgeCursor): IDBKeyRange {
  return IDBKeyRange.lowerBound([after.timestamp, after.seq], true);
}

export function rememberSizes(memory: InstanceMemory, records: readonly StoredTrace[]): void {
  const { knownSizes } = memory;
  for (const record of records) knownSizes.set(record.id, record.sizeBytes);
  for (const id of knownSizes.keys()) {
    if (knownSizes.size <= KNOWN_SIZES_LIMIT) break;
    knownSizes.delete(id);
  }
}
