import * as Comlink from 'comlink';
import type { Endpoint } from 'comlink';
import type { SendFunction } from '../core/delivery.js';
import type { ReplayOptions, TraceBuffer } from '../core/trace-buffer.js';
import { refuseFor } from '../core/refuse-input.js';
import { setRelayedOnline } from '../platform/connectivity.js';
import { reportUncaught } from '../platform/report-uncaught.js';
import { envelope, eventToWire, fromWire, release, toWire, type BridgeApi, type WireSender } from './wire.js';

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
    getDeadLetters: () => envelope(() => buffer.getDeadLetters()),
    retryDeadLetters: (ids) => envelope(() => buffer.retryDeadLetters(ids)),
    clearDeadLetters: () => envelope(() => buffer.clearDeadLetters()),
    replayBufferedTraces: (options, sender, onReplaySuccess, onReplayFailure) => {
      const local = { ...options } as ReplayOptions;
      if (sender) local.send = remoteSend(sender);
      // Each callback runs on the page through its own message channel, so its
      // call can land after the replay's answer. Awaiting them all before
      // answering (and before releasing the proxies, which would drop calls
      // still in flight) gives the page what it gets without a worker: every
      // callback has run when replayBufferedTraces resolves.
      const calls: Promise<unknown>[] = [];
      const track = (call: Promise<unknown>): void => {
        calls.push(call.catch((error: unknown) => reportUncaught(error)));
      };
      // Only the trace crosses (its traceData and config are in it); the page
      // calls the user's callback with Openlayer's arguments again.
      if (onReplaySuccess) {
        local.onReplaySuccess = (_traceData, _config, trace) => track(Promise.resolve(onReplaySuccess(trace)));
      }
      if (onReplayFailure) {
        local.onReplayFailure = (_traceData, _config, error, trace) =>
          track(Promise.resolve(onReplayFailure(trace, toWire(error))));
      }
      return envelope(async () => {
        const result = await buffer.replayBufferedTraces(local);
        await Promise.all(calls);
        return result;
      }).finally(() => {
        for (const remote of [sender, onReplaySuccess, onReplayFailure]) release(remote);
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
    refuse: (wire, inferenceId) => {
      const error = fromWire(wire);
      // A buffer made elsewhere (a wrapper) cannot count it: the host still hears it.
      if (!refuseFor(buffer, error, inferenceId)) reportUncaught(error);
    },
    pause: () => buffer.pause(),
    resume: () => buffer.resume(),
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

/** The page's `send` as a local one: its signal's abort is forwarded to the page. */
function remoteSend(sender: WireSender): SendFunction {
  let calls = 0;
  return async (traces, { signal, attempt }) => {
    const call = ++calls;
    const onAbort = (): void => {
      Promise.resolve(sender.abort(call, toWire(signal.reason))).catch((error: unknown) => reportUncaught(error));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = await sender.send(traces, attempt, call);
      if (!answer.ok) throw fromWire(answer.error);
      return answer.value;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}
