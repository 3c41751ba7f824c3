/**
 * What travels between the demo page and its local collector. Kept in one
 * file so the page, the worker and the server agree on it.
 */

/** One trace as the collector receives it. */
export interface DeliveredTrace {
  /** The trace's own id (`traceData.inferenceId`): the collector ignores a second copy. */
  traceId: string;
  traceData: Record<string, unknown>;
  config: Record<string, unknown>;
  inferencePipelineId: string | null;
  /**
   * When the trace was handed to the buffer (ms): `publish` does so before its
   * first try, so live traces carry it too. Null from a sender that does not say.
   */
  bufferedAt: number | null;
  /** Failed delivery attempts before this one. */
  attempts: number;
}

export interface PostTracesBody {
  traces: DeliveredTrace[];
}

export interface PostTracesAnswer {
  accepted: number;
  duplicates: number;
}

/** A trace as the collector kept it (one JSON line of traces.jsonl). */
export interface ReceivedTrace extends DeliveredTrace {
  receivedAt: number;
}

export interface CollectorState {
  /** Distinct traces received since the data folder was created. */
  count: number;
  /** Copies of already received traces, ignored (at-least-once delivery shows here). */
  duplicates: number;
  /** True while the outage switch is on: deliveries get 503. */
  outage: boolean;
  /** The most recent traces, newest first. */
  traces: ReceivedTrace[];
}

export const COLLECTOR_TRACES_PATH = '/collector/traces';
export const COLLECTOR_OUTAGE_PATH = '/collector/outage';
export const CHAT_PATH = '/api/chat';
/** Seconds a client is asked to wait during an outage. */
export const OUTAGE_RETRY_AFTER_S = 5;

export interface ChatRequest {
  prompt: string;
}
