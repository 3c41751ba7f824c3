/**
 * Cases for the worker bridge, run on the page against a buffer living in a
 * real dedicated worker (bridge-worker.ts).
 */
import {
  deliveryError,
  isTraceBufferError,
  type BufferEvent,
  type BufferedTrace,
  type SendContext,
} from '../../src/index.js';
import { connectTraceBuffer, type ConnectedTraceBuffer } from '../../src/worker/index.js';
import { deepEqual, equal, ok, rejects } from '../contract/check.js';
import { uniqueName } from '../contract/fixtures.js';

function startBridge(): { worker: Worker; buffer: ConnectedTraceBuffer } {
  const worker = new Worker(new URL('./bridge-worker.ts', import.meta.url), {
    type: 'module',
    name: uniqueName('bridge'),
  });
  return { worker, buffer: connectTraceBuffer(worker) };
}

async function withBridge(run: (buffer: ConnectedTraceBuffer, worker: Worker) => Promise<void>): Promise<void> {
  const { worker, buffer } = startBridge();
  try {
    await run(buffer, worker);
  } finally {
    buffer.disconnect();
    worker.terminate();
  }
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const inferenceIds = (traces: BufferedTrace[]): unknown[] => traces.map((t) => t.traceData['inferenceId']);

export const bridgeCases: { name: string; run(): Promise<void> }[] = [
  {
    name: "a page's send gets the attempt and a signal that aborts when the worker's does",
    async run() {
      await withBridge(async (buffer) => {
        equal(await buffer.storeTrace({ inferenceId: 'slow' }), true, 'stored');
        let context: SendContext | undefined;
        const replay = buffer.replayBufferedTraces({
          maxRetries: 1,
          send: (_traces, ctx) => {
            context = ctx;
            return new Promise((_, reject) => {
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
            });
          },
        });
        await waitFor(() => context !== undefined, 'the send to start');
        equal(context!.attempt, 1, 'the attempt crossed');
        ok(!context!.signal.aborted, 'not aborted while the worker waits');
        // close() in the worker aborts its own signal for the send in flight.
        await buffer.close();
        await waitFor(() => context!.signal.aborted, "the page's signal to abort");
        equal((context!.signal.reason as { code?: unknown }).code, 'CLOSED', "with the worker's reason");
        equal((await replay).failureCount, 1, 'the batch was not delivered');
      });
    },
  },
  {
    name: 'store, read, remove and status through the bridge',
    async run() {
      await withBridge(async (buffer) => {
        equal(await buffer.storeTrace({ inferenceId: 'a' }, { outputColumnName: 'output' }, 'pipe'), true, 'stored');
        equal(await buffer.storeTrace({ inferenceId: 'b' }), true, 'stored');
        const traces = await buffer.getBufferedTraces();
        deepEqual(inferenceIds(traces), ['a', 'b'], 'read back oldest first');
        equal(traces[0]?.inferencePipelineId, 'pipe', 'the pipeline id crossed');
        equal(await buffer.removeTrace(traces[0]!.id), true, 'removed by id');
        const status = await buffer.getBufferStatus();
        // OPFS where the engine has it (Chromium, Firefox); IndexedDB, saying why, where it does not (WebKitGTK).
        const hasOpfs = typeof (navigator.storage as StorageManager | undefined)?.getDirectory === 'function';
        equal(status.backend, hasOpfs ? 'opfs' : 'indexeddb', "the worker's 'auto' choice");
        if (!hasOpfs) ok(/OPFS/.test(status.fallbackReason ?? ''), `it says why (${String(status.fallbackReason)})`);
        equal(status.totalTraces, 1, 'one left');
        equal(status.maxBufferSize, 5, "the worker's options apply");
        equal(await buffer.clearBuffer(), 1, 'cleared one');
      });
    },
  },
  {
    name: 'bad data is refused across the bridge, never rejected: false, a dropped event, the count (issue 14)',
    async run() {
      await withBridge(async (buffer) => {
        const drops: Extract<BufferEvent, { type: 'dropped' }>[] = [];
        buffer.subscribe((event) => {
          if (event.type === 'dropped') drops.push(event);
        });
        // The listener is registered in the worker by the time a call made after it answers.
        await buffer.getBufferStatus();
        equal(await buffer.storeTrace({ inferenceId: 'big', text: 'x'.repeat(5_000) }), false, 'too large: false');
        const cyclic: Record<string, unknown> = { inferenceId: 'cycle' };
        cyclic['self'] = cyclic;
        equal(await buffer.storeTrace(cyclic), false, 'a cycle is refused in the worker');
        equal(await buffer.storeTrace({ inferenceId: 'fn', f: () => 1 }), false, 'a function cannot even cross');
        equal(await buffer.publish({ inferenceId: 'fn-publish', f: () => 1 }), 'dropped', "publish: 'dropped'");
        const status = await buffer.getBufferStatus();
        equal(status.dropped.invalid, 4, 'status.dropped.invalid in the worker counts all four');
        equal(status.lastError?.code, 'NOT_SERIALIZABLE', 'the last error says why');
        equal(status.totalTraces, 0, 'nothing stored');
        await waitFor(() => drops.length === 4, 'four dropped events');
        deepEqual(
          drops.map((event) => [event.reason, event.traces[0]?.traceId, event.error?.code]),
          [
            ['invalid', 'big', 'TRACE_TOO_LARGE'],
            ['invalid', 'cycle', 'NOT_SERIALIZABLE'],
            ['invalid', 'fn', 'NOT_SERIALIZABLE'],
            ['invalid', 'fn-publish', 'NOT_SERIALIZABLE'],
          ],
          'each named, with its code',
        );
        ok(isTraceBufferError(drops[0]?.error, 'TRACE_TOO_LARGE'), 'isTraceBufferError sees the code on the page');
        equal(
          (drops[0]?.error as { details?: { maxTraceBytes?: number } } | undefined)?.details?.maxTraceBytes,
          2_000,
          'details crossed',
        );
        await buffer.close();
      });
    },
  },
  {
    name: 'errors keep their code across the bridge',
    async run() {
      await withBridge(async (buffer) => {
        const noSend = await rejects(buffer.replayBufferedTraces(), 'INVALID_OPTION', 'replay without send');
        ok(noSend instanceof TypeError, 'an option error is still a TypeError');
        await rejects(buffer.removeTrace(''), 'INVALID_OPTION', 'an empty id');
        await buffer.close();
        await rejects(buffer.getBufferedTraces(), 'CLOSED', 'use after close');
      });
    },
  },
  {
    name: 'replay runs a send given on the page, and failures come back classified',
    async run() {
      await withBridge(async (buffer) => {
        for (const id of ['r1', 'r2', 'r3']) await buffer.storeTrace({ inferenceId: id });
        const failures: unknown[] = [];
        const shapes: unknown[] = [];
        const failed = await buffer.replayBufferedTraces({
          maxRetries: 1,
          send: () => Promise.reject(deliveryError({ status: 503 })),
          onReplayFailure: (traceData, config, error, trace) => {
            failures.push(error);
            shapes.push([traceData['inferenceId'], config, trace.traceData === traceData, trace.attempts]);
          },
        });
        equal(failed.failureCount, 3, 'all three failed');
        equal(failures.length, 3, 'onReplayFailure ran on the page for each');
        deepEqual(
          shapes,
          ['r1', 'r2', 'r3'].map((id) => [id, {}, true, 0]),
          "onReplayFailure(traceData, config, error, trace), Openlayer's shape, across the bridge",
        );
        ok(isTraceBufferError(failures[0], 'SEND_FAILED'), "the sender's error kept its code");
        equal((failures[0] as { details?: { status?: number } }).details?.status, 503, 'and its status');
        const sent: BufferedTrace[][] = [];
        const delivered: string[] = [];
        const result = await buffer.replayBufferedTraces({
          batchSize: 2,
          send: (traces) => {
            sent.push(traces);
            return Promise.resolve();
          },
          onReplaySuccess: (traceData, config, trace) =>
            delivered.push(`${JSON.stringify(traceData['inferenceId'])} ${JSON.stringify(config)} ${trace.id.length}`),
        });
        equal(result.successCount, 3, 'all delivered');
        deepEqual(sent.map(inferenceIds), [['r1', 'r2'], ['r3']], 'in batches, oldest first');
        deepEqual(
          delivered,
          ['"r1" {} 36', '"r2" {} 36', '"r3" {} 36'],
          'onReplaySuccess(traceData, config, trace) ran on the page',
        );
        equal((await buffer.getBufferStatus()).totalTraces, 0, 'delivered traces were removed');
        equal(sent[0]?.[0]?.attempts, 1, 'the failed attempt was persisted in the worker');
      });
    },
  },
  {
    name: 'dead letters through the bridge: read, retried and cleared from the page',
    async run() {
      await withBridge(async (buffer) => {
        for (const id of ['d1', 'd2']) await buffer.storeTrace({ inferenceId: id });
        const refuse = (traces: BufferedTrace[]) =>
          Promise.resolve({
            failed: traces.map((t) => ({ id: t.id, reason: 'bad row', retryable: false, status: 422 })),
          });
        await buffer.replayBufferedTraces({ send: refuse });
        const letters = await buffer.getDeadLetters();
        deepEqual(inferenceIds(letters), ['d1', 'd2'], 'both are dead letters');
        deepEqual(letters[0]?.deadLetter.status, 422, 'with the status');
        equal((await buffer.getBufferStatus()).deadLetters, 2, 'counted in the status');
        equal(await buffer.retryDeadLetters([letters[0]!.id]), 1, 'one re-queued');
        deepEqual(inferenceIds(await buffer.getBufferedTraces()), ['d1'], 'back in the buffer');
        equal(await buffer.clearDeadLetters(), 1, 'the other cleared');
        equal((await buffer.getBufferStatus()).deadLetters, 0, 'none left');
      });
    },
  },
  {
    name: 'subscribe on the page receives the worker buffer events, errors included',
    async run() {
      await withBridge(async (buffer) => {
        const events: BufferEvent[] = [];
        const stop = buffer.subscribe((event) => events.push(event));
        for (let i = 0; i < 7; i++) await buffer.storeTrace({ inferenceId: `s${i}` });
        await buffer.close();
        equal(await buffer.storeTrace({ inferenceId: 'late' }), false, 'a store after close resolves false');
        // Events travel on their own channel: wait for the last one rather than assume an order.
        await waitFor(() => events.some((e) => e.type === 'dropped' && e.reason === 'closed'), 'the closed drop event');
        stop();
        const stored = events.filter((e) => e.type === 'stored').length;
        equal(stored, 7, 'a stored event per store');
        const evicted = events.filter((e) => e.type === 'dropped' && e.reason === 'evicted');
        equal(evicted.length, 2, 'two evictions past the cap of 5');
        const closedDrop = events.find((e) => e.type === 'dropped' && e.reason === 'closed');
        ok(
          closedDrop?.type === 'dropped' && isTraceBufferError(closedDrop.error, 'CLOSED'),
          'the event error kept its code',
        );
      });
    },
  },
  {
    name: 'the page relays online to the worker',
    async run() {
      await withBridge(async (buffer, worker) => {
        await buffer.getBufferStatus(); // the worker is up
        const seen = new Promise<number>((resolve) =>
          worker.addEventListener('message', (event: MessageEvent<{ type?: string; count?: number }>) => {
            if (event.data?.type === 'online-seen') resolve(event.data.count ?? 0);
          }),
        );
        // A synthetic event on the page: the worker can only hear it through the relay.
        window.dispatchEvent(new Event('online'));
        equal(await seen, 1, 'an online listener in the worker ran');
      });
    },
  },
  {
    // Regression: the relay used to dispatch the event only, so a worker whose
    // own navigator.onLine said true (Firefox) kept sending while offline and
    // those attempts used up the retry budget.
    name: 'a relayed offline makes the worker know it is offline, until online is relayed',
    async run() {
      await withBridge(async (buffer) => {
        equal((await buffer.getBufferStatus()).online, true, 'online at first');
        window.dispatchEvent(new Event('offline'));
        await buffer.flush(); // a round trip after the relay
        equal((await buffer.getBufferStatus()).online, false, 'known offline after the relay');
        window.dispatchEvent(new Event('online'));
        await buffer.flush();
        equal((await buffer.getBufferStatus()).online, true, 'online again');
      });
    },
  },
];
