/**
 * The worker bridge: `exposeTraceBuffer(buffer)` inside a dedicated worker,
 * `connectTraceBuffer(worker)` on the page, and the page gets the same
 * `TraceBuffer` API as `createTraceBuffer`. Only this entry point imports
 * comlink, so pages that never use a worker never load it.
 *
 * Crossing `postMessage`:
 * - Errors lose their class and extra fields in a structured clone, so every
 *   call answers with an envelope (`{ ok, value }` or `{ ok, error }`) whose
 *   error keeps `code`, `details` and `name`; the other side rebuilds it, and
 *   `isTraceBufferError(error, code)` works as it does without a worker. This
 *   avoids replacing comlink's global 'throw' handler, which would change
 *   every other comlink user in the app.
 * - Functions cannot be cloned: `send`, `onReplaySuccess`, `onReplayFailure`
 *   given to `replayBufferedTraces` and `subscribe` listeners travel as
 *   comlink proxies (each call is a round trip). `send`, `onError` and
 *   `onEvent` given to `createTraceBuffer` stay in the worker, which usually
 *   owns `send` anyway (`fetch` works in workers).
 * - Chromium fires no `online` in workers (crbug 114475): the page relays its
 *   `online`/`offline` events, and the worker dispatches them on its global
 *   scope so listeners there work as if the platform had fired them.
 */
import * as Comlink from 'comlink';
import { setRelayedOnline } from '../platform/connectivity.js';
import type { Endpoint } from 'comlink';
import { TraceBufferError, type TraceBufferErrorCode } from '../core/errors.js';
import type { BufferEvent, BufferListener } from '../core/events.js';
import type { SendResult } from '../core/delivery.js';
import type { BufferedTrace, TraceConfig, TraceData } from '../core/record.js';
import type { BufferStatus, PublishOutcome, ReplayOptions, ReplayResult, TraceBuffer } from '../core/trace-buffer.js';

const BRAND = 'offline-trace-buffer';

/** An error as it crosses the bridge. */
interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  source?: string;
}

type Envelope<T> = { ok: true; value: T } | { ok: false; error: WireError };

type WireEvent =
  | Exclude<BufferEvent, { type: 'dropped' }>
  | (Omit<Extract<BufferEvent, { type: 'dropped' }>, 'error'> & { error?: WireError });

/**
 * Replay's callbacks, as separate arguments: comlink turns a function into a
 * proxy only at the top level of a call, never inside an options object.
 */
type WireSend = (traces: BufferedTrace[]) => Promise<Envelope<SendResult | void>>;
type WireSuccess = (trace: BufferedTrace) => void;
type WireFailure = (trace: BufferedTrace, error: WireError) => void;

/** What the worker exposes; every answer is an envelope. */
interface BridgeApi {
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
  replayBufferedTraces(
    options: Record<string, unknown>,
    send?: WireSend,
    onReplaySuccess?: WireSuccess,
    onReplayFailure?: WireFailure,
  ): Promise<Envelope<ReplayResult>>;
  /** Answers with a proxy of the unsubscribe function (a proxy must be the whole answer, not inside an envelope). */
  subscribe(listener: (event: WireEvent) => void): (() => void) & Comlink.ProxyMarked;
  flush(): Promise<Envelope<void>>;
  close(): Promise<Envelope<void>>;
  connectivity(online: boolean): void;
}

/** A buffer in a worker, used from the page. `disconnect` stops relaying and releases the channel. */
export interface ConnectedTraceBuffer extends TraceBuffer {
  disconnect(): void;
}

export interface ConnectOptions {
  /** Relay this page's `online`/`offline` events to the worker. Default true. */
  relayConnectivity?: boolean;
}

/**
 * Serves `buffer` to the page over `endpoint` (the worker's global scope by
 * default). Call once per buffer, inside the worker.
 */
export function exposeTraceBuffer(buffer: TraceBuffer, endpoint: Endpoint = globalThis as unknown as Endpoint): void {
  const api: BridgeApi = {
    storeTrace: (traceData, config, inferencePipelineId) =>
      envelope(() => buffer.storeTrace(traceData, config, inferencePipelineId)),
    publish: (traceData, config, inferencePipelineId) =>
      envelope(() => buffer.publish(traceData, config, inferencePipelineId)),
    getBufferedTraces: () => envelope(() => buffer.getBufferedTraces()),
    removeTrace: (id) => envelope(() => buffer.removeTrace(id)),
    getBufferStatus: () => envelope(() => buffer.getBufferStatus()),
    clearBuffer: () => envelope(() => buffer.clearBuffer()),
    replayBufferedTraces: (options, send, onReplaySuccess, onReplayFailure) => {
      const local = { ...options } as ReplayOptions;
      if (send) {
        local.send = async (traces) => {
          const answer = await send(traces);
          if (!answer.ok) throw fromWire(answer.error);
          return answer.value;
        };
      }
      // Each callback runs on the page through its own message channel, so its
      // call can land after the replay's answer. Awaiting them all before
      // answering (and before releasing the proxies, which would drop calls
      // still in flight) gives the page what it gets without a worker: every
      // callback has run when replayBufferedTraces resolves.
      const calls: Promise<unknown>[] = [];
      const track = (call: Promise<unknown>): void => {
        calls.push(call.catch((error: unknown) => reportUncaught(error)));
      };
      if (onReplaySuccess) local.onReplaySuccess = (trace) => track(Promise.resolve(onReplaySuccess(trace)));
      if (onReplayFailure) {
        local.onReplayFailure = (trace, error) => track(Promise.resolve(onReplayFailure(trace, toWire(error))));
      }
      return envelope(async () => {
        const result = await buffer.replayBufferedTraces(local);
        await Promise.all(calls);
        return result;
      }).finally(() => {
        for (const remote of [send, onReplaySuccess, onReplayFailure]) release(remote);
      });
    },
    subscribe: (listener) => {
      const stop = buffer.subscribe((event) => void listener(eventToWire(event)));
      return Comlink.proxy(() => {
        stop();
        release(listener);
      });
    },
    flush: () => envelope(() => buffer.flush()),
    close: () => envelope(() => buffer.close()),
    connectivity: (online) => {
      // Remembered, not only dispatched: the worker's own navigator.onLine may
      // say online while its page knows it is offline (Firefox), and attempts
      // made while known offline must not use up the retry budget.
      setRelayedOnline(online);
      const scope = globalThis as { dispatchEvent?: (event: Event) => boolean };
      scope.dispatchEvent?.(new Event(online ? 'online' : 'offline'));
    },
  };
  Comlink.expose(api, endpoint);
}

/**
 * The page side: the same API as `createTraceBuffer`, served by the buffer
 * that `exposeTraceBuffer` runs in `worker`.
 */
export function connectTraceBuffer(worker: Endpoint, options: ConnectOptions = {}): ConnectedTraceBuffer {
  const remote = Comlink.wrap<BridgeApi>(worker);
  const listeners = new Set<BufferListener>();
  let remoteUnsubscribe: Promise<Comlink.Remote<() => void> | undefined> | undefined;

  const call = async <T>(run: () => Promise<Envelope<T>>): Promise<T> => {
    let answer: Envelope<T>;
    try {
      answer = await run();
    } catch (error) {
      // The arguments could not be cloned into the worker (a function, a DOM node, ...).
      if ((error as { name?: unknown } | null)?.name === 'DataCloneError') {
        throw new TraceBufferError('NOT_SERIALIZABLE', `Cannot pass this to the worker: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (!answer.ok) throw fromWire(answer.error);
    return answer.value;
  };

  const dispatch = (wire: WireEvent): void => {
    const event = eventFromWire(wire);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        reportUncaught(error);
      }
    }
  };

  const relay = (event: Event): void => void remote.connectivity(event.type === 'online');
  const page = globalThis as {
    addEventListener?: typeof addEventListener;
    removeEventListener?: typeof removeEventListener;
  };
  const relaying = options.relayConnectivity !== false && typeof page.addEventListener === 'function';
  if (relaying) {
    page.addEventListener!('online', relay);
    page.addEventListener!('offline', relay);
    // The page may already be offline when it connects.
    const onLine = (globalThis as { navigator?: { onLine?: unknown } }).navigator?.onLine;
    if (onLine === false) void remote.connectivity(false);
  }

  return {
    storeTrace: (traceData, config, inferencePipelineId) =>
      call(() => remote.storeTrace(traceData, config, inferencePipelineId)),
    // The worker's buffer owns `send` (given to createTraceBuffer there).
    publish: (traceData, config, inferencePipelineId) =>
      call(() => remote.publish(traceData, config, inferencePipelineId)),
    notifyOnline: () => void remote.connectivity(true),
    getBufferedTraces: () => call(() => remote.getBufferedTraces()),
    removeTrace: (id) => call(() => remote.removeTrace(id)),
    getBufferStatus: () => call(() => remote.getBufferStatus()),
    clearBuffer: () => call(() => remote.clearBuffer()),
    replayBufferedTraces: (replayOptions = {}) => {
      const plain: Record<string, unknown> = {};
      const functions: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(replayOptions)) {
        // A value that is not a function stays in the options so the worker rejects it with INVALID_OPTION.
        (typeof value === 'function' ? functions : plain)[key] = value;
      }
      const { send, onReplaySuccess, onReplayFailure } = functions as ReplayOptions;
      return call(() =>
        remote.replayBufferedTraces(
          plain,
          send &&
            Comlink.proxy((traces: BufferedTrace[]) => envelope(async () => (await send(traces)) as SendResult | void)),
          onReplaySuccess && Comlink.proxy(onReplaySuccess),
          onReplayFailure &&
            Comlink.proxy((trace: BufferedTrace, error: WireError) => onReplayFailure(trace, fromWire(error))),
        ),
      );
    },
    subscribe(listener) {
      if (typeof listener !== 'function') {
        throw Object.assign(new TypeError(`Invalid option "listener": allowed: a function.`), {
          code: 'INVALID_OPTION',
          source: BRAND,
          details: { option: 'listener' },
        });
      }
      listeners.add(listener);
      remoteUnsubscribe ??= Promise.resolve(remote.subscribe(Comlink.proxy(dispatch))).catch((error: unknown) => {
        reportUncaught(error);
        return undefined;
      });
      return () => listeners.delete(listener);
    },
    flush: () => call(() => remote.flush()),
    close: () => call(() => remote.close()),
    disconnect() {
      if (relaying) {
        page.removeEventListener!('online', relay);
        page.removeEventListener!('offline', relay);
      }
      const pending = remoteUnsubscribe;
      remoteUnsubscribe = undefined;
      listeners.clear();
      // Stop the worker-side listener before the channel goes; a worker already gone is not an error to report.
      void pending
        ?.then(async (stop) => {
          if (!stop) return;
          await stop();
          stop[Comlink.releaseProxy]();
        })
        .catch((error: unknown) => console.warn('offline-trace-buffer: unsubscribing in the worker failed', error))
        .finally(() => remote[Comlink.releaseProxy]());
      if (!pending) remote[Comlink.releaseProxy]();
    },
  };
}

async function envelope<T>(run: () => Promise<T>): Promise<Envelope<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: toWire(error) };
  }
}

function toWire(error: unknown): WireError {
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

function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.source === BRAND && wire.code && wire.code !== 'INVALID_OPTION') {
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

function eventToWire(event: BufferEvent): WireEvent {
  if (event.type !== 'dropped' || !event.error) return event;
  return { ...event, error: toWire(event.error) };
}

function eventFromWire(wire: WireEvent): BufferEvent {
  if (wire.type !== 'dropped' || !wire.error) return wire as BufferEvent;
  return { ...wire, error: fromWire(wire.error) as TraceBufferError };
}

/** Details that cannot be cloned (a function, a class instance with one) are dropped, not allowed to break the call. */
function cloneable(details: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return structuredClone(details);
  } catch (error) {
    return { unclonable: describe(error) };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function release(value: unknown): void {
  const releasable = value as { [Comlink.releaseProxy]?: () => void } | undefined;
  releasable?.[Comlink.releaseProxy]?.();
}

function reportUncaught(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else console.error('offline-trace-buffer: a bridged listener failed', error);
}
