import type { BrowserContext, Page } from '@playwright/test';
import { startCollector, type Collector } from '../support/collector.js';
import { HARNESS_ORIGIN } from '../support/harness-origin.js';
import { expect, openHarness, test } from '../support/harness.js';

/**
 * Service worker delivery (issue 15): a real module service worker that
 * imports the built `offline-trace-buffer/service-worker` entry (dist/,
 * `npm run build` first), a real collector on 127.0.0.1, and pages that store
 * with default options.
 */
const NAME = 'sw-case';
const COUNT = 12;

async function registerServiceWorker(page: Page, collector: Collector): Promise<void> {
  const url = `/trace-sw.ts?name=${NAME}&collector=${encodeURIComponent(collector.url)}`;
  await page.evaluate(async (scriptUrl) => {
    await navigator.serviceWorker.register(scriptUrl, { type: 'module', scope: '/' });
    await navigator.serviceWorker.ready;
  }, url);
}

async function storeTraces(page: Page, options: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    async ({ name, count, options }) => {
      window.otb.pageBuffers.open('sw', { name, ...options });
      const stored = await window.otb.pageBuffers.storeMany('sw', count, 4, 'sw');
      if (!stored.every(Boolean)) throw new Error('a store failed');
    },
    { name: NAME, count: COUNT, options },
  );
}

function expectEachOnce(collector: Collector): void {
  expect(collector.deliveries.size).toBe(COUNT);
  expect([...collector.deliveries.values()].every((times) => times === 1)).toBe(true);
}

async function newContext(browser: import('@playwright/test').Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: HARNESS_ORIGIN });
}

test.describe('service worker delivery (Chromium: Background Sync)', () => {
  test.skip(({ browserName }) => browserName !== 'chromium', 'Background Sync exists in Chromium only');

  test('traces stored offline reach the collector once from the service worker with every page closed', async ({
    browser,
  }) => {
    const collector = await startCollector();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await openHarness(page);
      await registerServiceWorker(page, collector);
      await context.setOffline(true);
      await storeTraces(page, { collectorUrl: collector.url });
      const status = await page.evaluate(() => window.otb.pageBuffers.get('sw').getBufferStatus());
      expect(status.backgroundSync.supported).toBe(true);
      expect(status.backgroundSync.registeredAt).not.toBeNull();
      expect(status.backend).toBe('indexeddb');
      await page.close();
      expect(context.pages()).toHaveLength(0);
      expect(collector.requests).toBe(0);
      await context.setOffline(false);
      await expect.poll(() => collector.deliveries.size, { timeout: 20_000 }).toBe(COUNT);
      expect(context.pages()).toHaveLength(0);
      expectEachOnce(collector);
    } finally {
      await context.close();
      await collector.close();
    }
  });

  test('a failed sync keeps every trace; the next sync (DevTools dispatchSyncEvent) delivers each once', async ({
    browser,
  }) => {
    const collector = await startCollector();
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await openHarness(page);
      // Stored with no `send`: only the service worker delivers.
      await storeTraces(page, { autoReplay: false });
      collector.setMode({ kind: 'fail', status: 503 });
      await registerServiceWorker(page, collector);
      // The start-up drain met the 503: nothing delivered, every trace kept.
      await expect.poll(() => collector.requests, { timeout: 10_000 }).toBeGreaterThan(0);
      const cdp = await context.newCDPSession(page);
      const registrations: { registrationId: string; scopeURL: string }[] = [];
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => registrations.push(...event.registrations));
      await cdp.send('ServiceWorker.enable');
      await expect.poll(() => registrations.length).toBeGreaterThan(0);
      const registrationId = registrations.find((r) => r.scopeURL === `${HARNESS_ORIGIN}/`)!.registrationId;
      const dispatch = (lastChance: boolean) =>
        cdp.send('ServiceWorker.dispatchSyncEvent', {
          origin: HARNESS_ORIGIN,
          registrationId,
          tag: `offline-trace-buffer:${NAME}`,
          lastChance,
        });
      const before = collector.requests;
      await dispatch(false);
      await expect.poll(() => collector.requests, { timeout: 10_000 }).toBeGreaterThan(before);
      expect(collector.deliveries.size).toBe(0);
      const kept = await page.evaluate(
        async () => (await window.otb.pageBuffers.get('sw').getBufferStatus()).totalTraces,
      );
      expect(kept).toBe(COUNT);
      collector.setMode({ kind: 'ok' });
      await dispatch(false);
      await expect.poll(() => collector.deliveries.size, { timeout: 10_000 }).toBe(COUNT);
      expectEachOnce(collector);
    } finally {
      await context.close();
      await collector.close();
    }
  });
});

test('where Background Sync is missing the status says so and the tab replays as before', async ({
  browser,
  browserName,
}) => {
  const collector = await startCollector();
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await openHarness(page);
    await storeTraces(page, { collectorUrl: collector.url, autoReplay: { startupDelayMs: 0 } });
    const sync = await page.evaluate(
      async () => (await window.otb.pageBuffers.get('sw').getBufferStatus()).backgroundSync,
    );
    expect(sync.supported).toBe(false);
    // Firefox has no SyncManager; Chromium has one, but this page registered no service worker.
    expect(sync.reason).toMatch(
      browserName === 'chromium' ? /no service worker is registered/ : /not available in this browser/,
    );
    expect(sync.tag).toBe(`offline-trace-buffer:${NAME}`);
    await expect.poll(() => collector.deliveries.size, { timeout: 20_000 }).toBe(COUNT);
    expectEachOnce(collector);
  } finally {
    await context.close();
    await collector.close();
  }
});
