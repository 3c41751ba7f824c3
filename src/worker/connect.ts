import * as Comlink from 'comlink';
import type { Endpoint } from 'comlink';
import type { SendResult } from '../core/delivery.js';
import { errorName, isTraceBufferError, TraceBufferError, TraceBufferOptionError } from '../core/errors.js';
import { inferenceIdOf } from '../core/refuse-input.js';
import type { BufferListener } from '../core/events.js';
import type { BufferedTrace } from '../core/record.js';
import type { ReplayOptions, ReplayResult, TraceBuffer } from '../core/trace-buffer.js';
import { reportUncaught } from '../platform/report-uncaught.js';
import {
  envelope,
  eventFromWire,
  fromWire,
  toWire,
  type BridgeApi,
  type Envelope,
  type WireError,
  type WireEvent,
  type WireSender,
} from './wire.js';

/** A buffer in a worker, used from the page. `disconnect` stops relaying and releases the channel. */
export interface ConnectedTraceBuffer extends TraceBuffer {
  disconnect(): void;
}

export interface ConnectOptions {
  /** Relay this page's `online`/`offline` events to the worker. Default true. */
  relayConnectivity?: boolean;
}

type Remote = Comlink.Remote<BridgeApi>;

/**
 * The page side: the same API as `createTraceBuffer`, served by the buffer
 * that `exposeTraceBuffer` runs in `worker`.
 */
export function connectTraceBuffer(worker: Endpoint, options: ConnectOptions = {}): ConnectedTraceBuffer {
  const remote = Comlink.wrap<BridgeApi>(worker);
  const listeners = new Set<BufferListener>();
  let remoteUnsubscribe: Promise<Comlink.Remote<() => void> | undefined> | undefined;
  const stopRelay = options.relayConnectivity === false ? undefined : relayConnectivity(remote);
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
  return {
    storeTrace: (traceData, config, inferencePipelineId) =>
      refusingUnclonable(remote, traceData, false, () => remote.storeTrace(traceData, config, inferencePipelineId)),
    // The worker's buffer owns `send` (given to createTraceBuffer there).
    publish: (traceData, config, inferencePipelineId) =>
      refusingUnclonable(remote, traceData, 'dropped' as const, () =>
        remote.publish(traceData, config, inferencePipelineId),
      ),
    notifyOnline: () => void remote.connectivity(true),
    // Messages keep their order: a status asked for after pause() sees it.
    pause: () => void remote.pause(),
    resume: () => void remote.resume(),
    getBufferedTraces: () => unwrap(() => remote.getBufferedTraces()),
    removeTrace: (id) => unwrap(() => remote.removeTrace(id)),
    getBufferStatus: () => unwrap(() => remote.getBufferStatus()),
    clearBuffer: () => unwrap(() => remote.clearBuffer()),
    getDeadLetters: () => unwrap(() => remote.getDeadLetters()),
    retryDeadLetters: (ids) => unwrap(() => remote.retryDeadLetters(ids)),
    clearDeadLetters: () => unwrap(() => remote.clearDeadLetters()),
    replayBufferedTraces: (replayOptions = {}) => replayInWorker(remote, replayOptions),
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TraceBufferOptionError('listener', listener, 'a function');
      listeners.add(listener);
      remoteUnsubscribe ??= Promise.resolve(remote.subscribe(Comlink.proxy(dispatch))).catch((error: unknown) => {
        reportUncaught(error);
        return undefined;
      });
      return () => listeners.delete(listener);
    },
    flush: () => unwrap(() => remote.flush()),
    close: () => unwrap(() => remote.close()),
    disconnect() {
      stopRelay?.();
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

/** Makes one call and opens its envelope: the worker's error comes back as the error it was. */
async function unwrap<T>(run: () => Promise<Envelope<T>>): Promise<T> {
  let answer: Envelope<T>;
  try {
    answer = await run();
  } catch (error) {
    // The arguments could not be cloned into the worker (a function, a DOM node, ...).
    if (errorName(error) === 'DataCloneError') {
      throw new TraceBufferError('NOT_SERIALIZABLE', `Cannot pass this to the worker: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
  if (!answer.ok) throw fromWire(answer.error);
  return answer.value;
}

/**
 * storeTrace and publish never reject for bad data, across the bridge too:
 * what cannot even be posted (a function, a symbol, a DOM node) is refused in
 * the worker's buffer (onError, a `dropped` event with reason `invalid`, the
 * count), as the worker refuses what it got but cannot store.
 */
async function refusingUnclonable<T, R>(
  remote: Remote,
  traceData: unknown,
  refused: R,
  run: () => Promise<Envelope<T>>,
): Promise<T | R> {
  try {
    return await unwrap(run);
  } catch (error) {
    const unclonable = isTraceBufferError(error, 'NOT_SERIALIZABLE') && errorName(error.cause) === 'DataCloneError';
    if (!unclonable) throw error;
    try {
      await remote.refuse(toWire(error), inferenceIdOf(traceData) ?? null);
    } catch (bridgeError) {
      // The worker is gone: nobody there can hear it, so the host does.
      reportUncaught(error);
      reportUncaught(bridgeError);
    }
    return refused;
  }
}

/** Replay options travel as plain values; its functions as proxies, called across the bridge. */
function replayInWorker(remote: Remote, replayOptions: ReplayOptions): Promise<ReplayResult> {
  const plain: Record<string, unknown> = {};
  const functions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(replayOptions)) {
    // A value that is not a function stays in the options so the worker rejects it with INVALID_OPTION.
    (typeof value === 'function' ? functions : plain)[key] = value;
  }
  const { send, onReplaySuccess, onReplayFailure } = functions as ReplayOptions;
  // The worker's signal cannot be cloned: each send gets a signal of its own here, aborted when the worker's is.
  const controllers = new Map<number, AbortController>();
  const sender: WireSender | undefined = send && {
    send: (traces, attempt, call) => {
      const controller = new AbortController();
      controllers.set(call, controller);
      return envelope(
        async () => (await send(traces, { signal: controller.signal, attempt })) as SendResult | void,
      ).finally(() => controllers.delete(call));
    },
    abort: (call, reason) => controllers.get(call)?.abort(fromWire(reason)),
  };
  return unwrap(() =>
    remote.replayBufferedTraces(
      plain,
      sender && Comlink.proxy(sender),
      onReplaySuccess && Comlink.proxy((trace: BufferedTrace) => onReplaySuccess(trace.traceData, trace.config, trace)),
      onReplayFailure &&
        Comlink.proxy((trace: BufferedTrace, error: WireError) =>
          onReplayFailure(trace.traceData, trace.config, fromWire(error), trace),
        ),
    ),
  );
}

/**
 * Chromium fires no `online` in workers (crbug 114475): the page relays its
 * `online`/`offline` events. Returns the function that stops relaying.
 */
function relayConnectivity(remote: Remote): (() => void) | undefined {
  const page = globalThis as {
    addEventListener?: typeof addEventListener;
    removeEventListener?: typeof removeEventListener;
  };
  if (typeof page.addEventListener !== 'function') return undefined;
  const relay = (event: Event): void => void remote.connectivity(event.type === 'online');
  page.addEventListener('online', relay);
  page.addEventListener('offline', relay);
  // The page may already be offline when it connects.
  const onLine = (globalThis as { navigator?: { onLine?: unknown } }).navigator?.onLine;
  if (onLine === false) void remote.connectivity(false);
  return () => {
    page.removeEventListener?.('online', relay);
    page.removeEventListener?.('offline', relay);
  };
}
