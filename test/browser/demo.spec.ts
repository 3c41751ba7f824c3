import { test as base, expect as baseExpect, type Page, type TestInfo } from '@playwright/test';
import { removeDataDir, startDemoProcess, type DemoProcess } from '../support/demo-server.js';

/**
 * The demo as a user meets it: the real `node demo/serve.js`, one per test on
 * an ephemeral port with its own data folder, driven through its page.
 */
const test = base.extend<{ demo: DemoProcess }>({
  demo: async ({}, use) => {
    const demo = await startDemoProcess();
    await use(demo);
    await demo.stop();
    await removeDataDir(demo.dataDir);
  },
});

// Ceilings, not timings: each test starts a demo server and two browsers share two busy cores.
base.describe.configure({ timeout: 420_000 });
const expect = baseExpect.configure({ timeout: 30_000 });

/** Waits until the page runs, its buffer answered, and the service worker cached the app. */
async function openDemo(page: Page, url: string): Promise<void> {
  page.on('pageerror', (error) => console.error(`[demo page error] ${error.message}`));
  await page.goto(url);
  await expect(page.getByTestId('buffered-count')).toBeVisible();
  await expect(page.getByTestId('offline-app')).toHaveText(/Ready/);
}

async function ask(page: Page, prompt: string): Promise<void> {
  await page.getByPlaceholder('Ask the fake model anything').fill(prompt);
  await page.getByPlaceholder('Ask the fake model anything').press('Enter');
}

function promptsFor(testInfo: TestInfo, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${testInfo.project.name} question ${i + 1} (${testInfo.title})`);
}

async function receivedPrompts(demo: DemoProcess): Promise<string[]> {
  return (await demo.collector()).traces.map((trace) => String(trace.traceData['input'])).sort();
}

/** Every prompt's trace reached the collector once, and each page's buffer is empty again. */
async function expectDeliveredOnce(demo: DemoProcess, prompts: readonly string[], pages: Page[]): Promise<void> {
  await expect.poll(() => receivedPrompts(demo), { timeout: DELIVERY_TIMEOUT_MS }).toEqual([...prompts].sort());
  for (const page of pages) await expect(page.getByTestId('buffered-count')).toHaveText('0');
  expect((await demo.collector()).duplicates).toBe(0);
}

async function savePanel(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.getByTestId('status-panel').screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

// Replays wait for the `online` event or the retry timer, then a round trip.
const DELIVERY_TIMEOUT_MS = 60_000;

test('traces buffered offline show in every tab and reach the collector once back online', async ({
  browser,
  demo,
}, testInfo) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  const second = await context.newPage();
  await openDemo(first, demo.url);
  await openDemo(second, demo.url);

  await context.setOffline(true);
  // Browsers throttle timers in background tabs (Firefox clamps them hard); chat in the front one.
  await first.bringToFront();
  await expect(first.getByTestId('network-pill')).toHaveText('Offline');
  const prompts = promptsFor(testInfo, 5);
  for (const prompt of prompts) await ask(first, prompt);

  await expect(first.locator('.message[data-trace="buffered"]')).toHaveCount(5);
  // The server was unreachable, so the page's own copy of the model answered.
  await expect(first.locator('.message[data-answered-by="page"]')).toHaveCount(5);
  await expect(first.getByTestId('buffered-count')).toHaveText('5');
  await expect(second.getByTestId('buffered-count')).toHaveText('5');
  expect(await receivedPrompts(demo)).toEqual([]);
  await savePanel(second, testInfo, 'status-panel-offline');

  await context.setOffline(false);
  // Two tabs come online at once; the buffer's replay lock lets only one deliver.
  await expectDeliveredOnce(demo, prompts, [first, second]);
  await expect(second.getByTestId('collector-count')).toHaveText('5');
  await expect(second.locator('#collector-list')).toContainText(prompts[0]!);
  // Either tab may have won the lock: its own replay reads "5 of 5", the other tab's "5 ... by another tab".
  await expect(second.getByTestId('last-replay')).toContainText(/: 5 (of 5 )?delivered/);
  await expect(second.getByTestId('delivered-count')).toHaveText('5');
  await savePanel(second, testInfo, 'status-panel-delivered');
  await context.close();
});

test('reloads while offline from the service worker cache and keeps tracing', async ({ browser, demo }, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openDemo(page, demo.url);

  await context.setOffline(true);
  // With the server gone too, only the service worker's cache can serve the reload.
  expect(await demo.stop()).toBe(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'offline-trace-buffer demo' })).toBeVisible();
  await expect(page.getByTestId('network-pill')).toHaveText('Offline');

  const [prompt] = promptsFor(testInfo, 1);
  await ask(page, prompt!);
  await expect(page.locator('.message[data-answered-by="page"][data-trace="buffered"]')).toHaveCount(1);
  await expect(page.getByTestId('buffered-count')).toHaveText('1');
  await context.close();
});

test('a collector outage buffers traces, and they are delivered when it recovers', async ({
  browser,
  demo,
}, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openDemo(page, demo.url);

  await page.getByRole('button', { name: 'Simulate outage' }).click();
  await expect(page.getByTestId('collector-state')).toHaveText('Outage: answers 503');
  const prompts = promptsFor(testInfo, 2);
  for (const prompt of prompts) await ask(page, prompt);
  // Online, so the server's model answered; the collector refused the traces.
  await expect(page.locator('.message[data-answered-by="server"][data-trace="buffered"]')).toHaveCount(2);
  await expect(page.getByTestId('buffered-count')).toHaveText('2');
  await savePanel(page, testInfo, 'status-panel-outage');

  await page.getByRole('button', { name: 'End outage' }).click();
  await expectDeliveredOnce(demo, prompts, [page]);
  await context.close();
});

test('the worker mode takes over what the page buffered, buffers in a worker and delivers from there', async ({
  browser,
  demo,
}, testInfo) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openDemo(page, demo.url);
  const prompts = promptsFor(testInfo, 2);

  await context.setOffline(true);
  await ask(page, prompts[0]!);
  await expect(page.getByTestId('buffered-count')).toHaveText('1');
  await expect(page.getByTestId('storage')).toContainText('IndexedDB in the main thread');

  await page.getByText('Web worker').click();
  // storage 'auto' picks OPFS in a dedicated worker, where sync access handles exist.
  await expect(page.getByTestId('storage')).toContainText('OPFS in the web worker');
  // Switching moved the page's buffered trace into the worker's store.
  await expect(page.getByTestId('buffered-count')).toHaveText('1');
  await ask(page, prompts[1]!);
  await expect(page.locator('.message[data-trace="buffered"]')).toHaveCount(2);
  await expect(page.getByTestId('buffered-count')).toHaveText('2');

  // A new tab follows the saved mode and sees the worker's buffer.
  const second = await context.newPage();
  await second.goto(demo.url);
  await page.bringToFront();
  await expect(second.getByTestId('storage')).toContainText('OPFS in the web worker');
  await expect(second.getByTestId('buffered-count')).toHaveText('2');
  await savePanel(second, testInfo, 'status-panel-worker');

  await context.setOffline(false);
  await expectDeliveredOnce(demo, prompts, [page]);
  await context.close();
});
