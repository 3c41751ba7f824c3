import { TraceBufferError } from './errors.js';
import type { BufferedTrace } from './record.js';

/**
 * How a `send` tells the buffer what happened, and how the buffer classifies
 * it. Peers got this wrong both ways: Workbox counted a 5xx as delivered, and
 * buffers without a split retried a permanently rejected trace forever.
 */

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
 * `deliveryError`, if it did not. The buffer always passes the context; a
 * function that does not need it may leave it out.
 */
export type SendFunction = (traces: BufferedTrace[], context: SendContext) => Promise<unknown>;

/**
 * What the shipped senders return: a `SendFunction` that can also be called
 * by hand, without a context (then it has no signal to stop on).
 */
export type Sender = (traces: BufferedTrace[], context?: SendContext) => Promise<SendResult | undefined>;

/** Fields a sender can set on a failure; all optional. */
export interface DeliveryFailureInit {
  message?: string;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** Wait at least this long before trying again (from `Retry-After`). */
  retryAfterMs?: number;
  /** Overrides the classification by status (network errors, 408, 429 and 5xx are retryable). */
  retryable?: boolean;
  /**
   * The answer says nothing about the traces (auth, routing, a network or CORS
   * failure): delivery pauses and the traces stay. Judged from `status` (see
   * `isBlockingStatus`) or, without one, from a `TypeError` cause (what fetch
   * throws); a blocking status blocks whatever `retryable` says.
   */
  blocked?: boolean;
  cause?: unknown;
}

/** What `send` may resolve with to report a partial delivery. */
export interface SendResult {
  /** Traces of the batch that were not delivered (by buffer id); every other trace was. */
  failed?: { id: string; reason: string; retryable?: boolean; status?: number; blocked?: boolean }[];
  /** Wait at least this long before the next attempt. */
  retryAfterMs?: number;
}

export interface DeliveryFailure {
  message: string;
  retryable: boolean;
  /** Says nothing about the trace: delivery pauses, the attempt is not counted (see `isBlockingStatus`). */
  blocked: boolean;
  status?: number;
  retryAfterMs?: number;
}

/** The error a sender throws when a batch was not delivered. */
export function deliveryError(init: DeliveryFailureInit = {}): TraceBufferError {
  const blocked =
    init.blocked ?? (init.status === undefined ? isNetworkFailure(init.cause) : isBlockingStatus(init.status));
  // A blocked trace is kept, so it is retryable whatever the sender concluded from the status.
  const retryable = blocked || (init.retryable ?? (init.status === undefined || isRetryableStatus(init.status)));
  const message =
    init.message ?? (init.status === undefined ? 'delivery failed' : `the collector answered ${init.status}`);
  const details: Record<string, unknown> = { retryable, blocked };
  if (init.status !== undefined) details['status'] = init.status;
  if (init.retryAfterMs !== undefined) details['retryAfterMs'] = init.retryAfterMs;
  return new TraceBufferError('SEND_FAILED', message, { cause: init.cause, details });
}

/** 408 (timeout), 429 (slow down) and every 5xx may succeed later; other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Answers that say nothing about the traces sent: the caller is not allowed
 * (401, 403, 407), the address is wrong (404, 410, 421, any 3xx a fetch did
 * not follow) or the state is (409). Deleting traces on them lost every
 * buffered trace to one expired session or one wrong `baseURL`; delivery
 * pauses instead until an answer changes.
 */
export function isBlockingStatus(status: number): boolean {
  return (status >= 300 && status < 400) || BLOCKING_STATUSES.has(status);
}

const BLOCKING_STATUSES = new Set([401, 403, 404, 407, 409, 410, 421]);

/**
 * `fetch` rejects with a plain `TypeError` when no answer came (offline, DNS,
 * reset, CORS). Our own option errors are `TypeError`s too, but carry a `code`.
 */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError && (error as { code?: unknown }).code === undefined;
}

/** Reads a `Retry-After` header: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies whatever `send` threw. Our own errors carry their verdict; a
 * `TypeError` is what `fetch` throws for network failures (blocked); an
 * object with a numeric `status` is judged by it; anything else is retried,
 * within the retry budget, because a bug in a sender should not lose data.
 */
export function classifyFailure(error: unknown): DeliveryFailure {
  const message = error instanceof Error ? error.message : String(error);
  const details = (error as { details?: Record<string, unknown> } | null)?.details;
  if ((error as { code?: unknown } | null)?.code === 'SEND_FAILED' && details) {
    const failure: DeliveryFailure = {
      message,
      retryable: details['retryable'] !== false,
      // Errors made before `blocked` existed (or by hand) are judged by their status.
      blocked:
        details['blocked'] === true ||
        (details['blocked'] === undefined &&
          typeof details['status'] === 'number' &&
          isBlockingStatus(details['status'])),
    };
    if (failure.blocked) failure.retryable = true;
    if (typeof details['status'] === 'number') failure.status = details['status'];
    if (typeof details['retryAfterMs'] === 'number') failure.retryAfterMs = details['retryAfterMs'];
    return failure;
  }
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    const blocked = isBlockingStatus(status);
    return { message, status, blocked, retryable: blocked || isRetryableStatus(status) };
  }
  return { message, retryable: true, blocked: isNetworkFailure(error) };
}
