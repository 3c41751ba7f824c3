import { describeError, isTraceBufferError, TraceBufferError } from './errors.js';
import type { Reporter } from './reporter.js';

/**
 * Bad input is refused, never thrown: Openlayer's `store_trace` never raises,
 * and a rejection inside a tracing hook (openlayer-ts's `onFlushFailure`) is
 * an unhandled rejection, which ends a Node process. The trace is reported
 * with its code (`NOT_SERIALIZABLE`, `TRACE_TOO_LARGE`) through `onError`, and
 * counted and announced as dropped with reason `invalid`.
 */
export function refuseInput(reporter: Reporter, id: string, traceData: unknown, error: unknown): void {
  const failure = isTraceBufferError(error)
    ? (error as TraceBufferError)
    : new TraceBufferError('NOT_SERIALIZABLE', `Cannot buffer the trace: ${describeError(error)}.`, { cause: error });
  reporter.error(failure);
  reporter.drop('invalid', [{ id, traceId: inferenceIdOf(traceData) ?? id }], failure);
}

/**
 * `traceData.inferenceId` when it is a non-empty string. Bad input may be
 * anything: the property is read without running a getter, which may throw.
 */
export function inferenceIdOf(traceData: unknown): string | undefined {
  if (typeof traceData !== 'object' || traceData === null) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(traceData, 'inferenceId')?.value;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

type Refuse = (error: unknown, inferenceId: string | null) => void;
const refusers = new WeakMap<object, Refuse>();

/** Lets the worker bridge refuse, in the worker's buffer, input the page could not even post to it. */
export function registerRefuser(buffer: object, refuse: Refuse): void {
  refusers.set(buffer, refuse);
}

/** Refuses as `storeTrace` does; `false` if `buffer` was not made by this library (then nothing was reported). */
export function refuseFor(buffer: object, error: unknown, inferenceId: string | null): boolean {
  const refuse = refusers.get(buffer);
  if (!refuse) return false;
  refuse(error, inferenceId);
  return true;
}
