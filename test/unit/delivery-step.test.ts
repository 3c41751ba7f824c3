// publish and replay send through one delivery step (src/core/send-batch.ts):
// the same abort race against the lease and on close, the same reading of a
// partial result. These cases pin what publish gained from sharing it.
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceBuffer, type SendContext, type TraceBuffer, type TraceBufferError } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import { llmTrace } from '../contract/fixtures.js';

const open: TraceBuffer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

function track(buffer: TraceBuffer): TraceBuffer {
  open.push(buffer);
  return buffer;
}

/** A send that never settles and never looks at its signal: a hung connection. */
const hangs = (): Promise<never> => new Promise<never>(() => undefined);

describe('publish goes through the delivery step', () => {
  it('a send that never settles and ignores its signal does not hang publish: the trace is buffered at the lease', async () => {
    const flushFailures: unknown[] = [];
    const buffer = track(
      createTraceBuffer({
        send: hangs,
        autoReplay: false,
        leaseMs: 100,
        onFlushFailure: (_trace, _config, error) => flushFailures.push(error),
      }),
    );
    await expect(buffer.publish(llmTrace(1))).resolves.toBe('buffered');
    expect((flushFailures[0] as TraceBufferError).message).toContain('did not settle within the lease');
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual(['inference-1']);
  });

  it('close() while publish is sending aborts the send and keeps the trace', async () => {
    const storage = memoryBackend();
    let signal: AbortSignal | undefined;
    const buffer = createTraceBuffer({
      storage,
      autoReplay: false,
      send: (_traces, context) => {
        signal = context.signal;
        return hangs();
      },
    });
    const outcome = buffer.publish(llmTrace(2));
    await expect.poll(() => signal).toBeDefined();
    await buffer.close();
    await expect(outcome).resolves.toBe('buffered');
    expect(signal?.aborted).toBe(true);
    const { records } = await storage.readAll();
    expect(records.map((record) => record.traceId)).toEqual(['inference-2']);
  });

  it('hands send the same context as replay: a live signal and attempt 1', async () => {
    const contexts: SendContext[] = [];
    const buffer = track(
      createTraceBuffer({
        autoReplay: false,
        send: (_traces, context) => {
          contexts.push(context);
          return Promise.resolve();
        },
      }),
    );
    await expect(buffer.publish(llmTrace(3))).resolves.toBe('delivered');
    expect(contexts).toHaveLength(1);
    expect(contexts[0]?.attempt).toBe(1);
    expect(contexts[0]?.signal.aborted).toBe(false);
  });

  it('reads a partial result as replay does: a refused row becomes a dead letter with its status, with onFlushFailure told why', async () => {
    const flushFailures: unknown[] = [];
    const dropped: string[] = [];
    const buffer = track(
      createTraceBuffer({
        autoReplay: false,
        send: (traces) =>
          Promise.resolve({ failed: [{ id: traces[0]!.id, reason: 'bad row', retryable: false, status: 422 }] }),
        onFlushFailure: (_trace, _config, error) => flushFailures.push(error),
        onEvent: (event) => {
          if (event.type === 'dropped') dropped.push(event.reason);
        },
      }),
    );
    await expect(buffer.publish(llmTrace(4))).resolves.toBe('dead-lettered');
    expect(dropped).toEqual([]);
    expect((await buffer.getDeadLetters()).map((t) => [t.traceData['inferenceId'], t.deadLetter.status])).toEqual([
      ['inference-4', 422],
    ]);
    expect(await buffer.getBufferedTraces()).toEqual([]);
    expect((flushFailures[0] as TraceBufferError).details).toMatchObject({ status: 422, retryable: false });
    expect((await buffer.getBufferStatus()).lastError?.message).toContain('bad row');
  });
});
