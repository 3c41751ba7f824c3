/**
 * The dead-letter round of test/browser/dead-letters.spec.ts, run in a page
 * (IndexedDB) or in a dedicated worker (OPFS), in two steps with a reload
 * between: `refuse` (a 422 from the real server makes dead letters; the cap
 * and `deadLetters: false` checked beside) and `retry` (after the reload they
 * are still there, and retryDeadLetters gets them delivered). The real
 * openlayerSender posts to the test's server on 127.0.0.1.
 */
import { createTraceBuffer, openlayerSender, type BufferEvent } from '../../src/index.js';

export type DeadLetterStorage = 'indexeddb' | 'opfs';

function open(name: string, storage: DeadLetterStorage, baseURL: string, extra: object = {}) {
  const events: BufferEvent[] = [];
  const buffer = createTraceBuffer({
    name,
    storage,
    autoReplay: false,
    send: openlayerSender({ baseURL, apiKey: 'test-key' }),
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return { buffer, events };
}

async function storeThree(buffer: ReturnType<typeof open>['buffer'], prefix: string): Promise<void> {
  for (let i = 1; i <= 3; i++) await buffer.storeTrace({ inferenceId: `${prefix}-${i}`, output: 'x' }, {}, 'pipe');
}

export async function refuseStep(name: string, storage: DeadLetterStorage, baseURL: string) {
  const main = open(name, storage, baseURL);
  await storeThree(main.buffer, 'dl');
  const replay = await main.buffer.replayBufferedTraces({ maxRetries: 1 });
  const status = await main.buffer.getBufferStatus();
  const letters = await main.buffer.getDeadLetters();
  await main.buffer.close();

  const capped = open(`${name}-cap`, storage, baseURL, { deadLetters: { maxCount: 2 } });
  await storeThree(capped.buffer, 'cap');
  await capped.buffer.replayBufferedTraces({ maxRetries: 1 });
  const cappedLetters = (await capped.buffer.getDeadLetters()).map((t) => t.traceData['inferenceId']);
  const cappedDropped = (await capped.buffer.getBufferStatus()).dropped['dead-letter-evicted'];
  await capped.buffer.close();

  const off = open(`${name}-off`, storage, baseURL, { deadLetters: false });
  await storeThree(off.buffer, 'off');
  await off.buffer.replayBufferedTraces({ maxRetries: 1 });
  const offStatus = await off.buffer.getBufferStatus();
  await off.buffer.close();

  return {
    failureCount: replay.failureCount,
    totalTraces: status.totalTraces,
    deadLetters: status.deadLetters,
    deadLetterStorage: status.deadLetterStorage,
    rejected: status.dropped.rejected,
    letters: letters.map((t) => ({ inferenceId: t.traceData['inferenceId'], ...t.deadLetter })),
    deadLettered: main.events.filter((e) => e.type === 'dead-lettered').flatMap((e) => e.traces.map((t) => t.traceId)),
    dropped: main.events.filter((e) => e.type === 'dropped').length,
    cappedLetters,
    cappedDropped,
    offDropped: offStatus.dropped.rejected,
    offDeadLetters: offStatus.deadLetters,
    offEvents: off.events.filter((e) => e.type === 'dead-lettered').length,
  };
}

export async function retryStep(name: string, storage: DeadLetterStorage, baseURL: string) {
  const { buffer } = open(name, storage, baseURL);
  const before = (await buffer.getBufferStatus()).deadLetters;
  const kept = (await buffer.getDeadLetters()).map((t) => t.traceData['inferenceId']);
  const retried = await buffer.retryDeadLetters();
  const queued = (await buffer.getBufferedTraces()).map((t) => t.attempts);
  const replay = await buffer.replayBufferedTraces();
  const after = await buffer.getBufferStatus();
  await buffer.close();
  return {
    before,
    kept,
    retried,
    queued,
    successCount: replay.successCount,
    after: { totalTraces: after.totalTraces, deadLetters: after.deadLetters },
  };
}
