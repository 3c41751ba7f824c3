import type { Collector } from '../support/collector.js';
import type { JsonBufferOptions } from '../pages/page-buffers.js';
import { deepEqual, equal, ok } from './check.js';

/**
 * Cases about several tabs of one origin, written once and run from Node by
 * Playwright (Chromium, Firefox) and by the WebDriver runner (WebKit). A tab
 * is anything that runs a function in a harness page of the origin.
 */
export interface Tab {
  /** Runs `fn` in the page (sent as source: it may use `window.otb` and `arg` only). */
  run<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>;
  /** Ends the page abruptly (closing it, or navigating it away), which releases what it held. */
  kill(): Promise<void>;
}

export interface MultiTabCase {
  name: string;
  tabs: number;
  /** Heavy on a loaded two-core machine: runners give it more time. */
  slow?: boolean;
  run(tabs: Tab[], collector: Collector): Promise<void>;
}

type Ref = { id: string; timestamp?: number };

const uniqueName = (label: string): string =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** Polls `read` until `done` holds, or fails with what it last saw. */
export async function waitFor<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens buffer 'b' with the same JSON options in every tab (the options go to the page as data). */
export function openBufferIn(tabs: Tab[], options: JsonBufferOptions): Promise<void[]> {
  return Promise.all(tabs.map((tab) => tab.run((given) => window.otb.pageBuffers.open('b', given), options)));
}

const allDeliveredOnce = (collector: Collector): boolean => [...collector.deliveries.values()].every((n) => n === 1);

export const multiTabCases: MultiTabCase[] = [
  {
    name: '4 tabs x 800 stores into a cap of 200 leave exactly 200, the oldest evicted',
    tabs: 4,
    slow: true,
    async run(tabs) {
      const name = uniqueName('cap');
      await Promise.all(
        tabs.map((tab) => tab.run((name) => window.otb.pageBuffers.open('b', { name, maxBufferSize: 200 }), name)),
      );
      const results = await Promise.all(
        tabs.map((tab, i) => tab.run((prefix) => window.otb.pageBuffers.storeMany('b', 800, 40, prefix), `tab${i}`)),
      );
      equal(results.flat().filter(Boolean).length, 3200, 'every store was accepted');
      const remaining = await tabs[0]!.run(
        async () =>
          (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => ({
            id: t.id,
            timestamp: t.timestamp,
          })),
        null,
      );
      equal(remaining.length, 200, 'exactly the cap remains');
      const evicted = (
        await Promise.all(
          tabs.map((tab) =>
            tab.run(
              () =>
                window.otb.pageBuffers.events.flatMap((e) =>
                  e.type === 'dropped' && e.reason === 'evicted' && !e.remote ? (e.traces as Ref[]) : [],
                ),
              null,
            ),
          ),
        )
      ).flat();
      equal(evicted.length, 3000, 'every eviction was reported once, by the tab that made it');
      equal(
        new Set([...evicted, ...remaining].map((r) => r.id)).size,
        3200,
        'evicted and kept account for every trace',
      );
      const newestEvicted = Math.max(...evicted.map((r) => r.timestamp ?? Infinity));
      const oldestKept = Math.min(...remaining.map((r) => r.timestamp));
      ok(
        newestEvicted <= oldestKept,
        `the evicted are the oldest (newest evicted ${newestEvicted}, oldest kept ${oldestKept})`,
      );
      const status = await tabs[3]!.run(() => window.otb.pageBuffers.get('b').getBufferStatus(), null);
      equal(status.totalTraces, 200, 'another tab sees the same count');
      deepEqual(status.coordination, { locks: true, broadcast: true }, 'coordination is on');
    },
  },
  {
    name: '3 tabs storing traces of mixed sizes into one maxBufferBytes keep the byte total under it',
    tabs: 3,
    slow: true,
    async run(tabs) {
      const name = uniqueName('bytes');
      const cap = 60_000;
      await openBufferIn(tabs, { name, maxBufferBytes: cap });
      const results = await Promise.all(
        tabs.map((tab, i) =>
          tab.run((prefix) => window.otb.pageBuffers.storeMany('b', 150, 15, prefix, true), `tab${i}`),
        ),
      );
      equal(results.flat().filter(Boolean).length, 450, 'every store was accepted');
      const remaining = await tabs[0]!.run(
        async () =>
          (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => ({
            id: t.id,
            bytes: new TextEncoder().encode(JSON.stringify(t.traceData) + JSON.stringify(t.config)).length,
          })),
        null,
      );
      const kept = remaining.reduce((sum, r) => sum + r.bytes, 0);
      ok(kept <= cap, `the byte cap held across tabs: ${kept} bytes of ${cap}`);
      // Each trace is at most ~1,800 bytes: one more than was kept would not have fitted.
      ok(kept > cap - 2_000, `no more was evicted than needed: ${kept} bytes kept`);
      const evicted = (
        await Promise.all(
          tabs.map((tab) =>
            tab.run(
              () =>
                window.otb.pageBuffers.events.flatMap((e) =>
                  e.type === 'dropped' && e.reason === 'evicted' && !e.remote ? (e.traces as Ref[]) : [],
                ),
              null,
            ),
          ),
        )
      ).flat();
      equal(evicted.length + remaining.length, 450, 'every trace was kept or reported evicted once');
      equal(new Set([...evicted, ...remaining].map((r) => r.id)).size, 450, 'by the tab that evicted it');
      const status = await tabs[2]!.run(() => window.otb.pageBuffers.get('b').getBufferStatus(), null);
      deepEqual([status.totalSizeBytes, status.maxBufferBytes], [kept, cap], 'another tab sees the same bytes');
    },
  },
  {
    name: 'eviction racing a replay: every trace is delivered once, evicted, or still buffered',
    tabs: 2,
    slow: true,
    async run([writer, replayer], collector) {
      const name = uniqueName('race');
      await writer!.run(
        (name) => window.otb.pageBuffers.open('b', { name, maxBufferSize: 60, autoReplay: false }),
        name,
      );
      await replayer!.run(
        ({ name, url }) =>
          window.otb.pageBuffers.open('b', {
            name,
            maxBufferSize: 60,
            autoReplay: false,
            collectorUrl: url,
            replayBatchSize: 7,
          }),
        { name, url: collector.url },
      );
      await Promise.all([
        writer!.run(() => window.otb.pageBuffers.storeMany('b', 400, 10, 'race'), null),
        replayer!.run(async () => {
          const buffer = window.otb.pageBuffers.get('b');
          for (let i = 0; i < 40; i++) {
            await buffer.replayBufferedTraces({ maxRetries: 1 });
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }, null),
      ]);
      const seen = await writer!.run(async () => {
        const events = window.otb.pageBuffers.events.filter((e) => !e.remote);
        const pick = (keep: (e: (typeof events)[number]) => boolean) =>
          events.filter(keep).flatMap((e) => ('traces' in e ? e.traces.map((t) => t.id) : []));
        return {
          stored: pick((e) => e.type === 'stored' || (e.type === 'dropped' && e.reason === 'evicted')),
          evicted: pick((e) => e.type === 'dropped' && e.reason === 'evicted'),
          remaining: (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => t.id),
        };
      }, null);
      const evicted = new Set(seen.evicted);
      const remaining = new Set(seen.remaining);
      const all = new Set(seen.stored);
      equal(all.size, 400, 'all 400 stores were seen');
      for (const [id, times] of collector.deliveries) {
        equal(times, 1, `trace ${id} deliveries`);
        ok(!remaining.has(id), `trace ${id} was delivered yet is still buffered`);
      }
      for (const id of all)
        ok(collector.deliveries.has(id) || evicted.has(id) || remaining.has(id), `trace ${id} vanished`);
      ok(collector.deliveries.size > 0, 'the replayer delivered some');
      ok(remaining.size <= 60, 'the cap held');
    },
  },
  {
    name: 'tabs that all hear `online` after an outage deliver each buffered trace exactly once',
    tabs: 3,
    async run(tabs, collector) {
      const name = uniqueName('online');
      // The outage is simulated on the server (WebDriver has no offline mode).
      collector.setMode({ kind: 'fail', status: 503 });
      await openBufferIn(tabs, {
        name,
        collectorUrl: collector.url,
        autoReplay: { startupDelayMs: 0, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      });
      await Promise.all(
        tabs.map((tab, i) => tab.run((prefix) => window.otb.pageBuffers.storeMany('b', 20, 5, prefix), `t${i}`)),
      );
      equal(collector.deliveries.size, 0, 'nothing delivered during the outage');
      collector.setMode({ kind: 'ok' });
      await Promise.all(tabs.map((tab) => tab.run(() => void window.dispatchEvent(new Event('online')), null)));
      await waitFor(
        '60 deliveries',
        () => collector.deliveries.size,
        (n) => n === 60,
      );
      await waitFor(
        'an empty buffer',
        () => tabs[1]!.run(async () => (await window.otb.pageBuffers.get('b').getBufferStatus()).totalTraces, null),
        (n) => n === 0,
      );
      ok(allDeliveredOnce(collector), `each trace once: ${JSON.stringify([...collector.deliveries.values()])}`);
    },
  },
  {
    name: 'a tab killed mid-replay loses nothing: another tab delivers its batch',
    tabs: 2,
    async run([doomed, survivor], collector) {
      const name = uniqueName('crash');
      collector.setMode({ kind: 'hold' });
      await doomed!.run(
        ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
        { name, url: collector.url },
      );
      await doomed!.run(() => window.otb.pageBuffers.storeMany('b', 5, 5, 'inflight'), null);
      await doomed!.run(() => void window.otb.pageBuffers.get('b').replayBufferedTraces(), null);
      await waitFor(
        'the held request',
        () => collector.held,
        (n) => n === 1,
      );
      const inFlight = await survivor!.run(async (name) => {
        const { indexedDbBackend } = window.otb.library;
        const backend = indexedDbBackend({ name });
        const { records } = await backend.readAll();
        await backend.close();
        return { stored: records.length, leased: records.filter((r) => r.lease).length, locks: 'locks' in navigator };
      }, name);
      equal(inFlight.stored, 5, 'the batch in flight stays in storage until the collector answered');
      // With Web Locks the replay lock guards the batch (and dies with the tab):
      // no lease is written. Without, the lease tells other tabs who has it.
      equal(inFlight.leased, inFlight.locks ? 0 : 5, 'a lease marks the batch only when Web Locks are absent');
      await doomed!.kill();
      collector.setMode({ kind: 'ok' });
      await survivor!.run(
        ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
        { name, url: collector.url },
      );
      const result = await waitFor(
        'a replay that is not skipped',
        () => survivor!.run(() => window.otb.pageBuffers.get('b').replayBufferedTraces(), null),
        (r) => r.skipped === undefined,
        10_000,
      );
      equal(result.successCount, 5, 'the survivor delivered the batch');
      equal(collector.deliveries.size, 5, 'the collector has all five');
      ok(allDeliveredOnce(collector), 'each once: the killed tab never got an answer');
    },
  },
  {
    name: 'a second tab hears stored and delivered changes',
    tabs: 2,
    async run([writer, watcher], collector) {
      const name = uniqueName('notify');
      await writer!.run(
        ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
        { name, url: collector.url },
      );
      await watcher!.run((name) => {
        window.otb.pageBuffers.open('b', { name, autoReplay: false });
        window.otb.pageBuffers.get('b').subscribe(() => undefined);
      }, name);
      await writer!.run(() => window.otb.pageBuffers.storeMany('b', 3, 3, 'n'), null);
      await writer!.run(() => window.otb.pageBuffers.get('b').replayBufferedTraces(), null);
      const heard = await waitFor(
        'the remote events',
        () =>
          watcher!.run(
            () =>
              window.otb.pageBuffers.events
                .filter((e) => e.remote)
                .map((e) => `${e.type}:${'traces' in e ? e.traces.length : 0}`),
            null,
          ),
        (events) => events.length >= 2,
        10_000,
      );
      deepEqual(heard, ['stored:3', 'delivered:3'], 'the watcher heard both changes');
    },
  },
  {
    name: 'without Web Locks the cap still holds, one tab never sends twice, and the status says so',
    tabs: 1,
    async run([tab], collector) {
      const outcome = await tab!.run(async (url) => {
        Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
        const name = `nolocks-${Math.random().toString(36).slice(2)}`;
        const { pageBuffers } = window.otb;
        pageBuffers.open('a', { name, maxBufferSize: 30, autoReplay: false, collectorUrl: url });
        pageBuffers.open('b', { name, maxBufferSize: 30, autoReplay: false });
        await Promise.all([pageBuffers.storeMany('a', 50, 50, 'a'), pageBuffers.storeMany('b', 50, 50, 'b')]);
        const a = pageBuffers.get('a');
        const [first, second] = await Promise.all([a.replayBufferedTraces(), a.replayBufferedTraces()]);
        const status = await a.getBufferStatus();
        return {
          sent: first.successCount + second.successCount,
          locks: status.coordination.locks,
          left: status.totalTraces,
        };
      }, collector.url);
      deepEqual(outcome, { sent: 30, locks: false, left: 0 }, 'what happened');
      equal(collector.deliveries.size, 30, 'the collector got 30');
      ok(allDeliveredOnce(collector), 'each once');
    },
  },
  {
    name: 'deleteTraceBuffer in one tab: the other hears cleared, reads nothing, and keeps what it stores next',
    tabs: 2,
    async run([deleter, other]) {
      const name = uniqueName('delete');
      await openBufferIn([deleter!, other!], { name, storage: 'indexeddb', autoReplay: false });
      await deleter!.run(() => window.otb.pageBuffers.storeMany('b', 2, 2, 'a'), null);
      await other!.run(() => window.otb.pageBuffers.storeMany('b', 2, 2, 'b'), null);
      const before = await other!.run(
        async () => (await window.otb.pageBuffers.get('b').getBufferedTraces()).length,
        null,
      );
      equal(before, 4, 'both tabs see the four traces first');
      const result = await deleter!.run((name) => window.otb.library.deleteTraceBuffer(name), name);
      deepEqual(result.removed, [{ kind: 'indexeddb', store: `offline-trace-buffer:${name}` }], 'the database went');
      await waitFor(
        'the other tab to hear cleared',
        () =>
          other!.run(
            () =>
              window.otb.pageBuffers.events.filter((e) => e.type === 'cleared' && e.remote && 'deleted' in e).length,
            null,
          ),
        (n) => n === 1,
        10_000,
      );
      const listed = await other!.run(async (name) => {
        if (typeof indexedDB.databases !== 'function') return null;
        return (await indexedDB.databases()).some((db) => db.name === `offline-trace-buffer:${name}`);
      }, name);
      if (listed !== null) equal(listed, false, 'indexedDB.databases() no longer lists it');
      const after = await other!.run(async () => {
        const buffer = window.otb.pageBuffers.get('b');
        const empty = (await buffer.getBufferedTraces()).length;
        const stored = await buffer.storeTrace({ inferenceId: 'after-delete' });
        return { empty, stored };
      }, null);
      deepEqual(after, { empty: 0, stored: true }, 'the other tab read nothing, then stored');
      const seen = await deleter!.run(
        async () => (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => t.traceData['inferenceId']),
        null,
      );
      deepEqual(
        seen,
        ['after-delete'],
        'only the trace stored after the delete is kept, seen from the deleting tab too',
      );
      const errors = await other!.run(() => window.otb.pageBuffers.errors, null);
      deepEqual(errors, [], 'the other tab reported no failure');
    },
  },
];
