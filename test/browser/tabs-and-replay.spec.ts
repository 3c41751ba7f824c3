import { expect, test, type BrowserContext } from '@playwright/test';
import { multiTabCases, openBufferIn, type Tab } from '../contract/multi-tab-cases.js';
import { deliveryPolicyCases } from '../contract/delivery-policy-cases.js';
import { replayCases } from '../contract/replay-cases.js';
import { startCollector, type Collector } from '../support/collector.js';
import { openHarness } from '../support/harness.js';

// Several real pages of one origin in one browser context: they share
// IndexedDB, Web Locks and BroadcastChannel, as tabs of one app do. The cases
// are shared with the WebKit runner (test/webkit).

let collector: Collector;
test.beforeEach(async () => {
  collector = await startCollector();
});
test.afterEach(async () => {
  await collector.close();
});

async function tabs(context: BrowserContext, count: number): Promise<Tab[]> {
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()));
  await Promise.all(pages.map((page) => openHarness(page)));
  return pages.map((page) => ({
    // Playwright's own typing of evaluate's argument is stricter than the shared Tab's.
    run: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<Awaited<R>>,
    kill: () => page.close(),
  }));
}

for (const testCase of [...multiTabCases, ...replayCases, ...deliveryPolicyCases]) {
  test(testCase.name, async ({ context }) => {
    if (testCase.slow) test.slow();
    await testCase.run(await tabs(context, testCase.tabs), collector);
  });
}

// Only Playwright can take the network away from the browser itself.
test('tabs that all see a real `online` event deliver each buffered trace exactly once', async ({ context }) => {
  const name = `online-${Date.now().toString(36)}`;
  const pages = await tabs(context, 3);
  await context.setOffline(true);
  await openBufferIn(pages, {
    name,
    collectorUrl: collector.url,
    autoReplay: { startupDelayMs: 0, initialDelayMs: 30_000, maxDelayMs: 60_000 },
  });
  await Promise.all(
    pages.map((page, i) => page.run((prefix) => window.otb.pageBuffers.storeMany('b', 20, 5, prefix), `t${i}`)),
  );
  expect(await pages[0]!.run(() => navigator.onLine, null)).toBe(false);
  expect(collector.requests).toBe(0);
  await context.setOffline(false);
  await expect.poll(() => collector.deliveries.size, { timeout: 20_000 }).toBe(60);
  await expect
    .poll(() => pages[1]!.run(async () => (await window.otb.pageBuffers.get('b').getBufferStatus()).totalTraces, null))
    .toBe(0);
  expect([...collector.deliveries.values()].every((times) => times === 1)).toBe(true);
});
