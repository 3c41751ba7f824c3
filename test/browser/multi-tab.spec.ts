import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { startCollector, type Collector } from '../support/collector.js';
import { openHarness } from '../support/harness.js';

// Several real pages of one origin in one browser context: they share
// IndexedDB, Web Locks and BroadcastChannel, as tabs of one app do.

let collector: Collector;
test.beforeEach(async () => {
  collector = await startCollector();
});
test.afterEach(async () => {
  await collector.close();
});

async function tabs(context: BrowserContext, count: number): Promise<Page[]> {
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()));
  await Promise.all(pages.map((page) => openHarness(page)));
  return pages;
}

const uniqueName = (label: string): string =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

type Ref = { id: string; timestamp?: number };

test('4 tabs x 800 stores into a cap of 200 leave exactly 200, the oldest evicted', async ({ context }) => {
  // 3,200 stores across four pages: slow on a loaded two-core machine, not a hang.
  test.slow();
  const name = uniqueName('cap');
  const pages = await tabs(context, 4);
  await Promise.all(
    pages.map((page) => page.evaluate((name) => window.otb.pageBuffers.open('b', { name, maxBufferSize: 200 }), name)),
  );
  const results = await Promise.all(
    pages.map((page, i) =>
      page.evaluate((prefix) => window.otb.pageBuffers.storeMany('b', 800, 40, prefix), `tab${i}`),
    ),
  );
  expect(results.flat().filter(Boolean)).toHaveLength(3200);

  const remaining = await pages[0]!.evaluate(async () =>
    (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => ({ id: t.id, timestamp: t.timestamp })),
  );
  expect(remaining).toHaveLength(200);
  const evicted = (
    await Promise.all(
      pages.map((page) =>
        page.evaluate(() =>
          window.otb.pageBuffers.events.flatMap((e) =>
            e.type === 'dropped' && e.reason === 'evicted' && !e.remote ? (e.traces as Ref[]) : [],
          ),
        ),
      ),
    )
  ).flat();
  expect(evicted).toHaveLength(3000);
  expect(new Set([...evicted, ...remaining].map((r) => r.id)).size).toBe(3200);
  const newestEvicted = Math.max(...evicted.map((r) => r.timestamp ?? Infinity));
  const oldestKept = Math.min(...remaining.map((r) => r.timestamp));
  expect(newestEvicted).toBeLessThanOrEqual(oldestKept);
  const status = await pages[3]!.evaluate(() => window.otb.pageBuffers.get('b').getBufferStatus());
  expect(status.totalTraces).toBe(200);
  expect(status.coordination).toEqual({ locks: true, broadcast: true });
});

test('eviction racing a replay: every trace is delivered once, evicted, or still buffered', async ({ context }) => {
  test.slow();
  const name = uniqueName('race');
  const [writer, replayer] = await tabs(context, 2);
  await writer!.evaluate(
    (name) => window.otb.pageBuffers.open('b', { name, maxBufferSize: 60, autoReplay: false }),
    name,
  );
  await replayer!.evaluate(
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
  const writing = writer!.evaluate(() => window.otb.pageBuffers.storeMany('b', 400, 10, 'race'));
  const replaying = replayer!.evaluate(async () => {
    const buffer = window.otb.pageBuffers.get('b');
    for (let i = 0; i < 40; i++) {
      await buffer.replayBufferedTraces({ maxRetries: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  await Promise.all([writing, replaying]);
  const stored = await writer!.evaluate(() =>
    window.otb.pageBuffers.events.flatMap((e) =>
      (e.type === 'stored' || (e.type === 'dropped' && e.reason === 'evicted')) && !e.remote
        ? e.traces.map((t) => t.id)
        : [],
    ),
  );
  const evicted = new Set(
    await writer!.evaluate(() =>
      window.otb.pageBuffers.events.flatMap((e) =>
        e.type === 'dropped' && e.reason === 'evicted' && !e.remote ? e.traces.map((t) => t.id) : [],
      ),
    ),
  );
  const remaining = new Set(
    await writer!.evaluate(async () => (await window.otb.pageBuffers.get('b').getBufferedTraces()).map((t) => t.id)),
  );
  const all = new Set(stored);
  expect(all.size).toBe(400);
  for (const [id, times] of collector.deliveries) {
    expect(times, `trace ${id} delivered ${times} times`).toBe(1);
    expect(remaining.has(id), `trace ${id} delivered and still buffered`).toBe(false);
  }
  for (const id of all) {
    expect(collector.deliveries.has(id) || evicted.has(id) || remaining.has(id), `trace ${id} vanished`).toBe(true);
  }
  expect(collector.deliveries.size).toBeGreaterThan(0);
  expect(remaining.size).toBeLessThanOrEqual(60);
});

test('tabs that all see `online` at once deliver each buffered trace exactly once', async ({ context }) => {
  const name = uniqueName('online');
  const pages = await tabs(context, 3);
  await context.setOffline(true);
  await Promise.all(
    pages.map((page) =>
      page.evaluate(
        ({ name, url }) =>
          window.otb.pageBuffers.open('b', {
            name,
            collectorUrl: url,
            autoReplay: { startupDelayMs: 0, initialDelayMs: 30_000, maxDelayMs: 60_000 },
          }),
        { name, url: collector.url },
      ),
    ),
  );
  await Promise.all(
    pages.map((page, i) => page.evaluate((prefix) => window.otb.pageBuffers.storeMany('b', 20, 5, prefix), `t${i}`)),
  );
  expect(await pages[0]!.evaluate(() => navigator.onLine)).toBe(false);
  expect(collector.requests).toBe(0);
  await context.setOffline(false);
  await expect.poll(() => collector.deliveries.size, { timeout: 20_000 }).toBe(60);
  await expect
    .poll(() => pages[1]!.evaluate(async () => (await window.otb.pageBuffers.get('b').getBufferStatus()).totalTraces))
    .toBe(0);
  expect([...collector.deliveries.values()].every((times) => times === 1)).toBe(true);
  const skipped = await Promise.all(
    pages.map((page) =>
      page.evaluate(async () => (await window.otb.pageBuffers.get('b').getBufferStatus()).lastReplay?.skipped),
    ),
  );
  // The online event reached every tab; the lock let one of them replay.
  expect(skipped.filter((s) => s === false).length).toBeGreaterThanOrEqual(1);
});

test('a tab closed mid-replay loses nothing: another tab delivers its batch', async ({ context }) => {
  const name = uniqueName('crash');
  const [doomed, survivor] = await tabs(context, 2);
  collector.setMode({ kind: 'hold' });
  await doomed!.evaluate(
    ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
    { name, url: collector.url },
  );
  await doomed!.evaluate(() => window.otb.pageBuffers.storeMany('b', 5, 5, 'inflight'));
  await doomed!.evaluate(() => {
    void window.otb.pageBuffers.get('b').replayBufferedTraces();
  });
  await expect.poll(() => collector.held).toBe(1);
  const leased = await survivor!.evaluate(async (name) => {
    const { indexedDbBackend, databaseNameFor } = window.otb.library;
    const backend = indexedDbBackend({ databaseName: databaseNameFor(name) });
    const { records } = await backend.readAll();
    await backend.close();
    return records.filter((r) => r.lease).length;
  }, name);
  expect(leased).toBe(5);
  await doomed!.close();
  collector.setMode({ kind: 'ok' });
  await survivor!.evaluate(
    ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
    { name, url: collector.url },
  );
  const result = await survivor!.evaluate(() => window.otb.pageBuffers.get('b').replayBufferedTraces());
  expect(result.skipped).toBeUndefined();
  expect(result.successCount).toBe(5);
  expect(collector.deliveries.size).toBe(5);
  expect([...collector.deliveries.values()].every((times) => times === 1)).toBe(true);
});

test('a second tab hears stored and delivered changes', async ({ context }) => {
  const name = uniqueName('notify');
  const [writer, watcher] = await tabs(context, 2);
  await writer!.evaluate(
    ({ name, url }) => window.otb.pageBuffers.open('b', { name, autoReplay: false, collectorUrl: url }),
    { name, url: collector.url },
  );
  await watcher!.evaluate((name) => {
    window.otb.pageBuffers.open('b', { name, autoReplay: false });
    window.otb.pageBuffers.get('b').subscribe(() => undefined);
  }, name);
  await writer!.evaluate(() => window.otb.pageBuffers.storeMany('b', 3, 3, 'n'));
  await writer!.evaluate(() => window.otb.pageBuffers.get('b').replayBufferedTraces());
  await expect
    .poll(() =>
      watcher!.evaluate(() =>
        window.otb.pageBuffers.events
          .filter((e) => e.remote)
          .map((e) => `${e.type}:${'traces' in e ? e.traces.length : 0}`),
      ),
    )
    .toEqual(['stored:3', 'delivered:3']);
});

test('without Web Locks the cap still holds, one tab never sends twice, and the status says so', async ({ page }) => {
  await openHarness(page);
  const outcome = await page.evaluate(async (url) => {
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
  expect(outcome).toEqual({ sent: 30, locks: false, left: 0 });
  expect([...collector.deliveries.values()].every((times) => times === 1)).toBe(true);
  expect(collector.deliveries.size).toBe(30);
});
