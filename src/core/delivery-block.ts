import type { DeliveryFailure } from './delivery.js';
import { TraceBufferError } from './errors.js';
import type { Reporter } from './reporter.js';

/** Why delivery is paused, as `status.blocked` shows it. */
export interface BlockedState {
  /** The HTTP status, absent for a network or CORS failure. */
  status?: number;
  reason: string;
  /** When the block began (ms since the epoch). */
  since: number;
}

/**
 * Delivery paused by an answer that says nothing about the traces (an expired
 * session, a wrong `baseURL`, the network). One block is reported once, not
 * once per retry: a replay timer that retries a 401 for an hour must not fill
 * `onError` with the same news. A delivery ends it; `resume()` re-arms the
 * report, so a user who logged in again hears if that did not help.
 */
export class DeliveryBlock {
  current: BlockedState | null = null;
  #reported = false;
  readonly #reporter: Reporter;

  constructor(reporter: Reporter) {
    this.#reporter = reporter;
  }

  block(failure: DeliveryFailure, cause?: unknown): void {
    if (!this.current || this.current.status !== failure.status) {
      this.current = { reason: failure.message, since: Date.now() };
      if (failure.status !== undefined) this.current.status = failure.status;
      this.#reported = false;
    } else {
      this.current.reason = failure.message;
    }
    if (this.#reported) return;
    this.#reported = true;
    const answer = failure.status === undefined ? 'no answer came' : `the collector answered ${failure.status}`;
    this.#reporter.error(
      new TraceBufferError(
        'SEND_BLOCKED',
        `Delivery is paused because ${answer} (${failure.message}); the traces stay buffered and replay ` +
          'tries again on its timer, on `online` and on resume().',
        { cause, details: { ...failure } },
      ),
    );
  }

  /** A delivery went through: the block, if any, is over. */
  clear(): void {
    this.current = null;
    this.#reported = false;
  }

  /** The next block is reported even if it is the same one. */
  rearm(): void {
    this.#reported = false;
  }
}
