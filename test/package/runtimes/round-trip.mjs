// The round trip every runtime of the matrix runs on the packed package:
// store, status, replay through the real collector, empty after.
import { createTraceBuffer, deliveryError } from 'offline-trace-buffer';

/** A `send` that posts each trace's inferenceId to `url` through the runtime's own fetch. */
export function postTo(url) {
  return async (traces, { signal }) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(traces.map((trace) => trace.traceData.inferenceId)),
      signal,
    });
    if (!response.ok) throw deliveryError({ status: response.status });
  };
}

/** What the status says that the checks compare. */
export function statusFacts(status) {
  const { backend, fallbackReason, totalTraces, lastError, autoReplay, manualReplayReason } = status;
  return { backend, fallbackReason, totalTraces, lastError, autoReplay, manualReplayReason };
}

export async function roundTrip(collectorUrl, tag) {
  const errors = [];
  const buffer = createTraceBuffer({
    name: 'runtime-matrix',
    send: postTo(collectorUrl),
    autoReplay: false,
    onError: (error) => errors.push(`${error.code}: ${error.message}`),
  });
  const stored = [
    await buffer.storeTrace({ inferenceId: `${tag}-1` }),
    await buffer.storeTrace({ inferenceId: `${tag}-2` }),
  ];
  const before = statusFacts(await buffer.getBufferStatus());
  const replay = await buffer.replayBufferedTraces();
  const after = statusFacts(await buffer.getBufferStatus());
  const left = (await buffer.getBufferedTraces()).length;
  await buffer.close();
  return { stored, before, replayed: replay.successCount, failed: replay.failureCount, after, left, errors };
}
