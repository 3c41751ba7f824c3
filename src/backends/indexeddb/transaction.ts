import { errorName } from '../../core/errors.js';
import type { IndexedDbDurability } from './durability.js';
import type { TraceDatabase, TraceStoreNames, WriteTx } from './schema.js';

/** Records a request that is not awaited, so its failure is reported through the transaction. */
export type Watch = (request: Promise<unknown>) => void;

/**
 * Runs `body` in one transaction and resolves once it has committed. On any
 * failure the transaction is aborted, so a step either happens whole or not at
 * all (an exception thrown between requests would otherwise let IndexedDB
 * auto-commit the half done so far).
 */
export async function runTx<T>(
  db: TraceDatabase,
  stores: TraceStoreNames,
  durability: IndexedDbDurability,
  body: (tx: WriteTx, watch: Watch) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(stores, 'readwrite', { durability });
  const failed: unknown[] = [];
  // Requests that are not awaited fail together with the transaction, whose
  // `done` carries the error; recording them keeps them from surfacing as
  // unhandled rejections while `tx.done` reports the failure.
  const watch: Watch = (request) => {
    request.catch((error: unknown) => failed.push(error));
  };
  let result: T;
  try {
    result = await body(tx, watch);
    commitNow(tx);
  } catch (error) {
    abortQuietly(tx);
    // The abort we just asked for rejects `done`; the body's error is the one
    // to report, unless a request ran out of quota first (then the body only
    // met the aborted transaction, and quota is what the caller must hear).
    await tx.done.then(
      () => undefined,
      (abortError: unknown) => failed.push(abortError),
    );
    throw failed.find(isQuotaError) ?? error;
  }
  try {
    await tx.done;
  } catch (error) {
    // tx.done reports an abort as AbortError; the request's own error says why.
    throw failed.find(isQuotaError) ?? error;
  }
  return result;
}

/**
 * Every request is issued: commit now instead of when the engine notices that
 * no callback issued more, which costs a round trip per transaction (most of a
 * small write's time in Chromium). Engines without `commit()` commit on their own.
 */
function commitNow(tx: WriteTx): void {
  if (typeof tx.commit !== 'function') return;
  try {
    tx.commit();
  } catch (error) {
    // InvalidStateError: no longer active, so it is committing already.
    if (errorName(error) !== 'InvalidStateError') throw error;
  }
}

function abortQuietly(tx: WriteTx): void {
  try {
    tx.abort();
  } catch (error) {
    // InvalidStateError: the transaction already finished (committed or aborted
    // by the failed request), which is the outcome abort() wanted.
    if (errorName(error) !== 'InvalidStateError') throw error;
  }
}

function isQuotaError(error: unknown): boolean {
  return errorName(error) === 'QuotaExceededError';
}
