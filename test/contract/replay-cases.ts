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
    name: 'a 400 drops the traces as rejected instead of retrying them forever',
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
      equal(collector.requests, 1, 'one request: a 400 is not retried');
      equal(result.failureCount, 3, 'three failures');
      ok(
        result.failedTraces.every((t) => !t.retryable),
        'each marked not retryable',
      );
      const status = await tab!.run(() => window.otb.pageBuffers.get('b').getBufferStatus(), null);
      equal(status.totalTraces, 0, 'removed from the buffer');
      equal(status.deadLetters, 3, 'kept as dead letters');
      equal(status.dropped.rejected, 0, 'not dropped');
    },
  },
];
