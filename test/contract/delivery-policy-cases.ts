import type { Tab } from './multi-tab-cases.js';
import { openBufferIn, waitFor, type MultiTabCase } from './multi-tab-cases.js';
import { deepEqual, equal, ok } from './check.js';

/**
 * Answers that say nothing about the traces (auth, routing, state) pause
 * delivery in a real page: every trace stays, by id, with its attempts not
 * counted, and SEND_BLOCKED is heard once however often the timer retries.
 * Run by Playwright (Chromium, Firefox) and the WebKit runner against a real
 * collector on 127.0.0.1.
 */

const uniqueName = (label: string): string => `${label}-${Date.now().toString(36)}`;

interface Seen {
  ids: string[];
  attempts: number[];
  blocked: { status?: number } | null;
  dropped: number;
  blockedReports: number;
  failedReports: number;
}

async function seen(tab: Tab): Promise<Seen> {
  return tab.run(async () => {
    const buffer = window.otb.pageBuffers.get('b');
    const traces = await buffer.getBufferedTraces();
    const status = await buffer.getBufferStatus();
    const errors = window.otb.pageBuffers.errors;
    return {
      ids: traces.map((t) => t.id).sort(),
      attempts: traces.map((t) => t.attempts),
      blocked: status.blocked && { ...(status.blocked.status !== undefined && { status: status.blocked.status }) },
      dropped: Object.values(status.dropped).reduce((a, b) => a + b, 0),
      blockedReports: errors.filter((e) => e.code === 'SEND_BLOCKED').length,
      failedReports: errors.filter((e) => e.code === 'SEND_FAILED').length,
    };
  }, null);
}

async function storedIds(tab: Tab, count: number, prefix: string): Promise<string[]> {
  await tab.run(({ count, prefix }) => window.otb.pageBuffers.storeMany('b', count, count, prefix), { count, prefix });
  return tab.run(async () => (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => t.id).sort(), null);
}

function assertKeptWhileBlocked(after: Seen, ids: string[], status: number): void {
  deepEqual(after.ids, ids, `every trace kept, by id, after ${status}`);
  ok(
    after.attempts.every((n) => n === 0),
    `no attempt counted against maxAttempts (${after.attempts.join(',')})`,
  );
  deepEqual(after.blocked, { status }, 'status.blocked names the answer');
  equal(after.dropped, 0, 'nothing dropped');
  equal(after.blockedReports, 1, 'SEND_BLOCKED heard once, however often it was retried');
  equal(after.failedReports, 0, 'no SEND_FAILED: nothing was judged');
}

/** A blocking answer, then `resume()` after the cause is fixed: delivered at once, each trace once. */
function blockedThenResumed(status: number): MultiTabCase {
  return {
    name: `a ${status} pauses delivery with every trace kept; resume() then delivers each once at once`,
    tabs: 1,
    async run([tab], collector) {
      collector.setMode({ kind: 'fail', status });
      // The stores land before the start-up pass; after its block the next timed
      // pass is 30 s away, so a delivery within the wait below is resume()'s.
      await openBufferIn([tab!], {
        name: uniqueName(`blocked-${status}`),
        collectorUrl: collector.url,
        autoReplay: { startupDelayMs: 1_000, initialDelayMs: 30_000, maxDelayMs: 60_000 },
      });
      const ids = await storedIds(tab!, 6, `s${status}`);
      await waitFor(
        'the start-up pass to meet the block',
        () => seen(tab!),
        (s) => s.blocked !== null,
      );
      // A replay by hand meets the same block and is not reported again.
      await tab!.run(() => window.otb.pageBuffers.get('b').replayBufferedTraces({ maxRetries: 2 }), null);
      assertKeptWhileBlocked(await seen(tab!), ids, status);
      equal(collector.deliveries.size, 0, 'the collector counted nothing');
      collector.setMode({ kind: 'ok' });
      await tab!.run(() => window.otb.pageBuffers.get('b').resume(), null);
      await waitFor(
        'resume() to deliver the six traces',
        () => collector.deliveries.size,
        (n) => n === 6,
        10_000,
      );
      deepEqual([...collector.deliveries.keys()].sort(), ids, 'the same ids were delivered');
      ok(
        [...collector.deliveries.values()].every((n) => n === 1),
        'each exactly once',
      );
      const after = await waitFor(
        'the buffer to empty',
        () => seen(tab!),
        (s) => s.ids.length === 0,
      );
      equal(after.blocked, null, 'the block is cleared by the delivery');
    },
  };
}

export const deliveryPolicyCases: MultiTabCase[] = [
  ...[401, 403, 404, 409].map(blockedThenResumed),
  {
    name: 'a collector that answers 401 for a while, then 200, gets each trace once on the backoff timer, without a call',
    tabs: 1,
    async run([tab], collector) {
      collector.setMode({ kind: 'fail', status: 401 });
      await openBufferIn([tab!], {
        name: uniqueName('blocked-timer'),
        collectorUrl: collector.url,
        autoReplay: { startupDelayMs: 500, initialDelayMs: 100, maxDelayMs: 300 },
      });
      const ids = await storedIds(tab!, 5, 'timer');
      await waitFor(
        'three blocked requests',
        () => collector.requests,
        (n) => n >= 3,
      );
      assertKeptWhileBlocked(await seen(tab!), ids, 401);
      collector.setMode({ kind: 'ok' });
      await waitFor(
        'the timer to deliver the five traces',
        () => collector.deliveries.size,
        (n) => n === 5,
      );
      deepEqual([...collector.deliveries.keys()].sort(), ids, 'the same ids were delivered');
      ok(
        [...collector.deliveries.values()].every((n) => n === 1),
        'each exactly once',
      );
    },
  },
  {
    name: 'pause() holds every send (a replay by hand is skipped) while stores still buffer; resume() delivers them',
    tabs: 1,
    async run([tab], collector) {
      await openBufferIn([tab!], {
        name: uniqueName('paused'),
        collectorUrl: collector.url,
        autoReplay: { startupDelayMs: 0, initialDelayMs: 100, maxDelayMs: 200 },
      });
      await tab!.run(() => window.otb.pageBuffers.get('b').pause(), null);
      const ids = await storedIds(tab!, 4, 'paused');
      const replay = await tab!.run(() => window.otb.pageBuffers.get('b').replayBufferedTraces(), null);
      equal(replay.skipped, 'paused', 'a replay by hand says it was paused');
      const outcome = await tab!.run(
        () => window.otb.pageBuffers.get('b').publish({ inferenceId: 'published-while-paused' }),
        null,
      );
      equal(outcome, 'buffered', 'publish buffers while paused');
      const status = await tab!.run(() => window.otb.pageBuffers.get('b').getBufferStatus(), null);
      equal(status.paused, true, 'status.paused');
      equal(status.totalTraces, 5, 'the stores and the publish are buffered');
      equal(collector.requests, 0, 'nothing was sent while paused');
      await tab!.run(() => window.otb.pageBuffers.get('b').resume(), null);
      await waitFor(
        'resume() to deliver the five traces',
        () => collector.deliveries.size,
        (n) => n === 5,
        10_000,
      );
      ok(
        ids.every((id) => collector.deliveries.get(id) === 1),
        'each stored trace delivered once',
      );
    },
  },
];
