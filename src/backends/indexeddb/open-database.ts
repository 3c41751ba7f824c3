import { openDB } from 'idb';
import { TraceBufferError } from '../../core/errors.js';
import { INDEXEDDB_SCHEMA_VERSION, upgradeSchema, type TraceDatabase, type TraceDb } from './schema.js';
import { reconcileStats } from './totals.js';

/** How long `open` may stay blocked by another tab's old connection before we give up. */
const OPEN_BLOCKED_TIMEOUT_MS = 5_000;
/**
 * How long any `open` may stay unsettled. An open queued behind another tab's
 * blocked upgrade gets no `blocked` event of its own and would wait for ever,
 * and every store with it; this is generous so a slow disk is not mistaken for that.
 */
const OPEN_QUEUED_TIMEOUT_MS = 10_000;

/**
 * Opens (creating or upgrading) the database `name` and checks its totals.
 * `onGone` is called when the browser closes the connection or another tab's
 * upgrade asks for it, so the caller opens a new one next time.
 */
export async function openDatabase(name: string, onGone: () => void): Promise<TraceDatabase> {
  let blockedTimer: ReturnType<typeof setTimeout> | undefined;
  let rejectBlocked: ((error: Error) => void) | undefined;
  let gaveUp = false;
  const blocked = new Promise<never>((_, reject) => (rejectBlocked = reject));
  const queuedTimer = setTimeout(() => {
    gaveUp = true;
    rejectBlocked?.(
      new Error(
        `the open did not settle within ${OPEN_QUEUED_TIMEOUT_MS} ms (queued behind another connection's blocked upgrade?)`,
      ),
    );
  }, OPEN_QUEUED_TIMEOUT_MS);
  // An async wrapper: Firefox private windows throw from indexedDB.open itself,
  // and that throw must reach the catch below like a failed request does.
  const opening = (async () =>
    openDB<TraceDb>(name, INDEXEDDB_SCHEMA_VERSION, {
      upgrade: upgradeSchema,
      blocked() {
        blockedTimer = setTimeout(() => {
          gaveUp = true;
          rejectBlocked?.(new Error(`another connection kept the database blocked for ${OPEN_BLOCKED_TIMEOUT_MS} ms`));
        }, OPEN_BLOCKED_TIMEOUT_MS);
      },
      blocking(_current, _next, event) {
        // A newer version wants to upgrade in another tab, or deleteTraceBuffer
        // wants the database gone (next is null): let it.
        (event.target as IDBDatabase).close();
        onGone();
      },
      terminated: onGone,
    }))();
  // If we gave up while blocked, an open that succeeds later must not linger
  // and block the other tab in turn.
  opening.then(
    (late) => {
      if (gaveUp) late.close();
    },
    () => undefined, // the same rejection is handled by the race below
  );
  try {
    const db = await Promise.race([opening, blocked]);
    // Opened: the timers must not mark it given up while the stats are checked.
    clearTimeout(blockedTimer);
    clearTimeout(queuedTimer);
    await reconcileStats(db);
    return db;
  } catch (error) {
    throw new TraceBufferError(
      'STORAGE_UNAVAILABLE',
      `IndexedDB database "${name}" cannot be opened (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}).`,
      { cause: error },
    );
  } finally {
    clearTimeout(blockedTimer);
    clearTimeout(queuedTimer);
  }
}
