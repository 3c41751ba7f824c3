import { TraceBufferError } from './errors.js';
import type { BufferEvent, DropReason, TraceRef } from './events.js';
import type { CorruptRecord } from './record.js';
import type { BufferStatus } from './trace-buffer-api.js';

/**
 * Where every failure that is not thrown to a caller goes: `onError`, the
 * status's `lastError`, and for traces that leave without being delivered a
 * `dropped` event and a count by reason. User callbacks run through here so a
 * throwing one is reported, never raised into the buffer's work.
 */
export class Reporter {
  lastError: BufferStatus['lastError'] = null;
  readonly dropped: Record<DropReason, number> = {
    evicted: 0,
    disabled: 0,
    quota: 0,
    storage: 0,
    invalid: 0,
    closed: 0,
    rejected: 0,
    'dead-letter-evicted': 0,
    exhausted: 0,
    expired: 0,
  };
  readonly #corruptSeen = new Set<string>();
  readonly #onError: ((error: TraceBufferError) => void) | undefined;
  readonly #reportUncaught: (error: unknown) => void;
  readonly #emit: (event: BufferEvent) => void;

  constructor(
    onError: ((error: TraceBufferError) => void) | undefined,
    reportUncaught: (error: unknown) => void,
    emit: (event: BufferEvent) => void,
  ) {
    this.#onError = onError;
    this.#reportUncaught = reportUncaught;
    this.#emit = emit;
  }

  error(error: TraceBufferError): void {
    this.lastError = { code: error.code, message: error.message, at: Date.now() };
    if (!this.#onError) return;
    try {
      this.#onError(error);
    } catch (callbackError) {
      // Last resort: the host hears it, nothing is lost.
      this.#reportUncaught(callbackError);
    }
  }

  /** Calls a user callback; a throw is reported as CALLBACK_FAILED. */
  callback<A extends unknown[]>(fn: ((...args: A) => void) | undefined, name: string, ...args: A): void {
    if (!fn) return;
    try {
      fn(...args);
    } catch (error) {
      this.error(callbackFailed(name, error));
    }
  }

  /** Counts and announces traces that left the buffer without being delivered. */
  drop(reason: DropReason, traces: TraceRef[], error?: TraceBufferError): void {
    if (traces.length === 0) return;
    this.dropped[reason] += traces.length;
    this.#emit(error ? { type: 'dropped', reason, traces, error } : { type: 'dropped', reason, traces });
  }

  /** Reports each unreadable record once, however often reads meet it. */
  corrupt(records: CorruptRecord[]): void {
    for (const record of records) {
      if (this.#corruptSeen.has(record.key)) continue;
      this.#corruptSeen.add(record.key);
      this.error(
        new TraceBufferError('CORRUPT_RECORD', `Skipped unreadable record "${record.key}": ${record.reason}.`, {
          details: { ...record },
        }),
      );
    }
  }

  get corruptCount(): number {
    return this.#corruptSeen.size;
  }

  /** After a clear: the unreadable records are gone too. */
  forgetCorrupt(): void {
    this.#corruptSeen.clear();
  }
}

export function callbackFailed(name: string, error: unknown): TraceBufferError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TraceBufferError('CALLBACK_FAILED', `${name} threw: ${reason}`, { cause: error });
}
