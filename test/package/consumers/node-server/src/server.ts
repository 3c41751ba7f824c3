// A Node server that buffers its own traces and forwards them to Openlayer
// (where an API key may live), plus a backend of its own built on ./backend.
import { createServer } from 'node:http';
import { createTraceBuffer, isTraceBufferError, migrateBufferedTraces, openlayerSender } from 'offline-trace-buffer';
import type { BufferedTrace, TraceBufferOptions } from 'offline-trace-buffer';
import { compareAge, memoryBackend } from 'offline-trace-buffer/backend';
import type { StorageBackend, StoredTrace } from 'offline-trace-buffer/backend';

/** A custom backend: the memory one, counting its inserts. */
function countingBackend(counts: { inserts: number }): StorageBackend {
  const inner = memoryBackend();
  return {
    ...inner,
    kind: 'counting-memory',
    insert: (records: readonly StoredTrace[], maxSize: number) => {
      counts.inserts += records.length;
      return inner.insert(records, maxSize);
    },
  };
}

const counts = { inserts: 0 };
const options: TraceBufferOptions = {
  name: 'node-server',
  storage: countingBackend(counts),
  send: openlayerSender({ apiKey: process.env['OPENLAYER_API_KEY'], inferencePipelineId: 'YOUR_PIPELINE_ID' }),
};
const buffer = createTraceBuffer(options);

// `send` as the options table describes it: `(traces, { signal, attempt }) => Promise`.
const direct = createTraceBuffer({
  storage: 'memory',
  send: async (traces: BufferedTrace[], { signal, attempt }) => {
    const response = await fetch('http://127.0.0.1:4000/traces', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-attempt': String(attempt) },
      body: JSON.stringify(traces),
      signal,
    });
    if (!response.ok) throw new Error(`collector answered ${response.status}`);
  },
});

createServer((request, response) => {
  void buffer
    .storeTrace({ inferenceId: request.url ?? '/', output: 'ok' }, { model: 'm' })
    .then((stored) => response.end(String(stored)))
    .catch((error: unknown) => {
      response.statusCode = isTraceBufferError(error, 'NOT_SERIALIZABLE') ? 400 : 500;
      response.end();
    });
}).listen(0);

const { records } = await memoryBackend().readAll();
records.sort(compareAge);
const moved = await migrateBufferedTraces(memoryBackend(), memoryBackend());
console.log(moved.moved, counts.inserts, (await direct.getBufferStatus()).backend);
