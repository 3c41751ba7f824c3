/**
 * What crosses `postMessage` between the page and the worker, and how errors
 * survive it. Errors lose their class and extra fields in a structured clone,
 * so every call answers with an envelope (`{ ok, value }` or `{ ok, error }`)
 * whose error keeps `code`, `details` and `name`; the other side rebuilds it,
 * and `isTraceBufferError(error, code)` works as it does without a worker.
 * This avoids replacing comlink's global 'throw' handler, which would change
 * every other comlink user in the app.
 */
import * as Comlink from 'comlink';
import { describeError, ERROR_SOURCE, TraceBufferError, type TraceBufferErrorCode } from '../core/errors.js';
import type { SendResult } from '../core/delivery.js';
import type { BufferEvent } from '../core/events.js';
import type { BufferedTrace, TraceConfig, TraceData } from '../core/record.js';
import type { BufferStatus, DeadLetter, PublishOutcome, ReplayResult } from '../core/trace-buffer.js';

/** An error as it crosses the bridge. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  source?: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: WireError };

export type WireEvent =
  | Exclude<BufferEvent, { type: 'dropped' }>
  | (Omit<Extract<BufferEvent, { type: 'dropped' }>, 'error'> & { error?: WireError });

/**
 * A page's `send`, as the worker calls it. A signal cannot be cloned, so each
 * call has a number, and `abort` forwards the worker-side signal's abort to
 * the page's own signal for that call.
 */
export interface WireSender {
  send(traces: BufferedTrace[], attempt: number, call: number): Promise<Envelope<SendResult | void>>;
  abort(call: number, reason: WireError): void;
}
export type WireSuccess = (trace: BufferedTrace) => void;
export type WireFailure = (trace: BufferedTrace, error: WireError) => void;

/**
 * What the worker exposes; every answer is an envelope. Replay's callbacks
 * come as separate arguments: comlink turns a function into a proxy only at
 * the top level of a call, never inside an options object.
 */
export interface BridgeApi {
  storeTrace(
    traceData: TraceData,
    config?: TraceConfig,
    inferencePipelineId?: string | null,
  ): Promise<Envelope<boolean>>;
  publish(
    traceData: TraceData,
    config?: TraceConfig,
    inferencePipelineId?: string | null,
  ): Promise<Envelope<PublishOutcome>>;
  getBufferedTraces(): Promise<Envelope<BufferedTrace[]>>;
  removeTrace(id: string): Promise<Envelope<boolean>>;
  getBufferStatus(): Promise<Envelope<BufferStatus>>;
  clearBuffer(): Promise<Envelope<number>>;
  getDeadLetters(): Promise<Envelope<DeadLetter[]>>;
  retryDeadLetters(ids?: readonly string[]): Promise<Envelope<number>>;
  clearDeadLetters(): Promise<Envelope<number>>;
  replayBufferedTraces(
    options: Record<string, unknown>,
    sender?: WireSender,
    onReplaySuccess?: WireSuccess,
    onReplayFailure?: WireFailure,
  ): Promise<Envelope<ReplayResult>>;
  /** Answers with a proxy of the unsubscribe function (a proxy must be the whole answer, not inside an envelope). */
  subscribe(listener: (event: WireEvent) => void): (() => void) & Comlink.ProxyMarked;
  flush(): Promise<Envelope<void>>;
  close(): Promise<Envelope<void>>;
  connectivity(online: boolean): void;
  /** Input the page could not post (a DataCloneError) is refused in the worker's buffer, as its storeTrace refuses. */
  refuse(error: WireError, inferenceId: string | null): void;
  pause(): void;
  resume(): void;
}

export async function envelope<T>(run: () => Promise<T>): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toWire(error) };
  }
}

export function toWire(error: unknown): WireError {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const source = error as Partial<WireError> & { message?: unknown; name?: unknown; stack?: unknown };
  const wire: WireError = {
    name: typeof source.name === 'string' ? source.name : 'Error',
    message: typeof source.message === 'string' ? source.message : JSON.stringify(error),
  };
  if (typeof source.stack === 'string') wire.stack = source.stack;
  if (typeof source.code === 'string') wire.code = source.code;
  if (typeof source.source === 'string') wire.source = source.source;
  if (source.details && typeof source.details === 'object') wire.details = cloneable(source.details);
  return wire;
}

export function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.source === ERROR_SOURCE && wire.code && wire.code !== 'INVALID_OPTION') {
    error = new TraceBufferError(
      wire.code as TraceBufferErrorCode,
      wire.message,
      wire.details ? { details: wire.details } : {},
    );
  } else {
    // Option errors are TypeErrors, as without a worker; other errors keep their name.
    error = wire.code === 'INVALID_OPTION' ? new TypeError(wire.message) : new Error(wire.message);
    error.name = wire.name;
    const fields: Record<string, unknown> = {};
    if (wire.code !== undefined) fields['code'] = wire.code;
    if (wire.source !== undefined) fields['source'] = wire.source;
    if (wire.details !== undefined) fields['details'] = wire.details;
    Object.assign(error, fields);
  }
  if (wire.stack) error.stack = `${wire.stack}\n    (in the worker)`;
  return error;
}

export function eventToWire(event: BufferEvent): WireEvent {
  if (event.type !== 'dropped' || !event.error) return event;
  return { ...event, error: toWire(event.error) };
}

export function eventFromWire(wire: WireEvent): BufferEvent {
  if (wire.type !== 'dropped' || !wire.error) return wire as BufferEvent;
  return { ...wire, error: fromWire(wire.error) as TraceBufferError };
}

/** Releases a comlink proxy, if `value` is one. */
export function release(value: unknown): void {
  const releasable = value as { [Comlink.releaseProxy]?: () => void } | undefined;
  releasable?.[Comlink.releaseProxy]?.();
}

/** Details that cannot be cloned (a function, a class instance with one) are dropped, not allowed to break the call. */
function cloneable(details: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return structuredClone(details);
  } catch (error) {
    return { unclonable: describeError(error) };
  }
}
