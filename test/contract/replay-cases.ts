import { deepEqual, equal, ok } from './check.js';
import { openBufferIn, waitFor, type MultiTabCase } from './multi-tab-cases.js';

/**
 * Replay against a real collector on 127.0.0.1 whose outages are played on
 * the server side, so every engine runs them (WebDriver has no offline mode).
 */
export const replayCases: MultiTabCase[] = [
  {
    name: 'a collector that fails (500, 503 with Retry-After, 429, reset) then recovers gets each trace exactly once',
    tabs: 1,
    async run([tab], collector) {
      const name = `recover-${Date.now().toString(36)}`;
      collector.setMode({ kind: 'fail', status: 500 });
      await openBufferIn([tab!], {
        name,
        collectorUrl: collector.url,
        replayBatchSize: 4,
        autoReplay: { startupDelayMs: 0, initialDelayMs: 100, maxDelayMs: 400 },
      });
      await tab!.run(() => window.otb.pageBuffers.storeMany('b', 10, 10, 'r'), null);
      const failures: [Parameters<typeof collector.setMode>[0], number][] = [
        [{ kind: 'fail', status: 500 }, 1],
        [{ kind: 'fail', status: 503, retryAfterSeconds: 1 }, 1],
        [{ kind: 'fail', status: 429 }, 1],
        [{ kind: 'reset' }, 1],
      ];
      for (const [mode, requests] of failures) {
        collector.setMode(mode);
        const seen = collector.requests;
        await waitFor(
          `${requests} request(s) in mode ${JSON.stringify(mode)}`,
          () => collector.requests - seen,
          (n) => n >= requests,
        );
      }
      const failedSoFar = collector.requests;
      const retryAfterAt = Date.now();
      collector.setMode({ kind: 'ok' });
      await waitFor(
        '10 deliveries',
        () => collector.deliveries.size,
        (n) => n === 10,
        30_000,
      );
      ok(collector.requests > failedSoFar, 'it recovered by itself, without a call to replay');
      ok(Date.now() >= retryAfterAt, 'time moves forward');
      ok(
        [...collector.deliveries.values()].every((n) => n === 1),
        'each trace exactly once',
      );
      const status = await tab!.run(async () => {
        const s = await window.otb.pageBuffers.get('b').getBufferStatus();
        return {
          total: s.totalTraces,
          dropped: Object.values(s.dropped).reduce((a, b) => a + b, 0),
          delivered: s.delivered,
        };
      }, null);
      deepEqual(status, { total: 0, dropped: 0, delivered: 10 }, 'empty, nothing dropped');
      const attempts = await tab!.run(
        () => window.otb.pageBuffers.errors.filter((e) => e.code === 'SEND_FAILED').length,
        null,
      );
      // At least one per failing answer; a browser may itself retry a request
      // whose connection was reset (Firefox does), so the reset is not always seen.
      ok(attempts >= 3, `the failures were reported through onError (${attempts})`);
    },
  },
  {
    name: 'a 503 with Retry-After holds the next attempt back at least that long',
    tabs: 1,
    async run([tab], collector) {
      const name = `retry-after-${Date.now().toString(36)}`;
      collector.setMode({ kind: 'fail', status: 503, retryAfterSeconds: 2 });
      await openBufferIn([tab!], {
        name,
        collectorUrl: collector.url,
        autoReplay: { startupDelayMs: 0, initialDelayMs: 50, maxDelayMs: 100 },
      });
      await tab!.run(() => window.otb.pageBuffers.storeMany('b', 1, 1, 'ra'), null);
      await waitFor(
        'the first attempt',
        () => collector.requests,
        (n) => n >= 1,
      );
      const first = Date.now();
      collector.setMode({ kind: 'ok' });
      await waitFor(
        'the delivery',
        () => collector.deliveries.size,
        (n) => n === 1,
        10_000,
      );
      // Without Retry-After the backoff would have retried within ~120 ms.
      ok(Date.now() - first >= 1_500, `waited ${Date.now() - first} ms after a Retry-After of 2 s`);
    },
  },
  {
    name: 'a 400 for every request is bisected down to single traces, each then kept as a dead letter, none retried',
    tabs: 1,
    async run([tab], collector) {
      const name = `rejected-${Date.now().toString(36)}`;
      collector.setMode({ kind: 'fail', status: 400 });
      await tab!.run(
        ({ name, url }) => window.otb.pageBuffers.open('b', { name, collectorUrl: url, autoReplay: false }),
        { name, url: collector.url },
      );
      await tab!.run(() => window.otb.pageBuffers.storeMany('b', 3, 3, 'bad'), null);
      const result = await tab!.run(
        () => window.otb.pageBuffers.get('b').replayBufferedTraces({ maxRetries: 3 }),
        null,
      );
      // 3 → 2 + 1 → 1 + 1: each trace judged alone, and a refusal is not retried.
      equal(collector.requests, 5, 'five requests: the batch, its halves, the halves of the half');
      equal(result.failureCount, 3, 'three failures');
      ok(
        result.failedTraces.every((t) => !t.retryable),
        'each marked not retryable',
      );
      const status = await tab!.run(() => window.otb.pageBuffers.get('b').getBufferStatus(), null);
      equal(status.totalTraces, 0, 'out of the replay queue');
      equal(status.deadLetters, 3, 'kept as dead letters');
      equal(status.dropped.rejected, 0, 'not dropped');
    },
  },
  {
    name: 'a 422 for any batch holding one bad row among 50 dead-letters only it; the other 49 are delivered once',
    tabs: 1,
    async run([tab], collector) {
      const name = `bad-row-${Date.now().toString(36)}`;
      collector.setMode({ kind: 'refuseRows', status: 422, traceIds: ['row-7'] });
      await tab!.run(
        ({ name, url }) =>
          window.otb.pageBuffers.open('b', { name, collectorUrl: url, autoReplay: false, replayBatchSize: 50 }),
        { name, url: collector.url },
      );
      await tab!.run(() => window.otb.pageBuffers.storeMany('b', 50, 50, 'row'), null);
      const names = await tab!.run(
        async () =>
          (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => [t.id, t.traceData['inferenceId']]),
        null,
      );
      const traceIdOf = new Map(names as [string, string][]);
      const result = await tab!.run(
        () => window.otb.pageBuffers.get('b').replayBufferedTraces({ maxRetries: 3 }),
        null,
      );
      deepEqual(
        result.failedTraces.map((t) => [t.traceId, t.retryable]),
        [['row-7', false]],
        'only the bad row refused',
      );
      const delivered = [...collector.deliveries.keys()].map((id) => traceIdOf.get(id)).sort();
      const others = [...traceIdOf.values()].filter((id) => id !== 'row-7').sort();
      deepEqual(delivered, others, 'every other trace delivered');
      ok(
        [...collector.deliveries.values()].every((n) => n === 1),
        'each once',
      );
      ok(collector.requests <= 1 + 2 * Math.ceil(Math.log2(50)), `at most 13 requests (${collector.requests})`);
      const after = await tab!.run(async () => {
        const buffer = window.otb.pageBuffers.get('b');
        const status = await buffer.getBufferStatus();
        const deadLetters = await buffer.getDeadLetters();
        return {
          total: status.totalTraces,
          rejected: status.dropped.rejected,
          deadLetters: deadLetters.map((t) => ({
            id: t.traceData['inferenceId'] as string,
            status: t.deadLetter.status,
            message: t.deadLetter.message,
          })),
        };
      }, null);
      equal(after.total, 0, 'nothing left in the queue');
      equal(after.rejected, 0, 'nothing deleted');
      deepEqual(
        after.deadLetters.map(({ id, status }) => [id, status]),
        [['row-7', 422]],
        'the bad row is kept as a dead letter with its status',
      );
      const message = after.deadLetters[0]?.message ?? '';
      ok(message.includes('422'), `with the answer's message (${message})`);
    },
  },
  {
    name: 'a collector that answers 413 to requests over 8 rows gets all 30 traces once: split, nothing refused',
    tabs: 1,
    async run([tab], collector) {
      const name = `too-large-${Date.now().toString(36)}`;
      collector.setMode({ kind: 'maxRows', maxRows: 8 });
      await tab!.run(
        ({ name, url }) =>
          window.otb.pageBuffers.open('b', { name, collectorUrl: url, autoReplay: false, replayBatchSize: 30 }),
        { name, url: collector.url },
      );
      await tab!.run(() => window.otb.pageBuffers.storeMany('b', 30, 30, 'big'), null);
      const ids = await tab!.run(
        async () => (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => t.id).sort(),
        null,
      );
      const result = await tab!.run(() => window.otb.pageBuffers.get('b').replayBufferedTraces(), null);
      equal(result.successCount, 30, 'all 30 delivered');
      deepEqual([...collector.deliveries.keys()].sort(), ids, 'the same ids');
      ok(
        [...collector.deliveries.values()].every((n) => n === 1),
        'each once',
      );
      const after = await tab!.run(async () => {
        const status = await window.otb.pageBuffers.get('b').getBufferStatus();
        return { total: status.totalTraces, deadLetters: status.deadLetters, dropped: status.dropped };
      }, null);
      deepEqual(
        {
          total: after.total,
          deadLetters: after.deadLetters,
          dropped: Object.values(after.dropped).reduce((a, b) => a + b, 0),
        },
        { total: 0, deadLetters: 0, dropped: 0 },
        'nothing kept, dead-lettered or dropped',
      );
    },
  },
];
