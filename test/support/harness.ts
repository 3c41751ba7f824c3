import { test as base, type Page } from '@playwright/test';
import { HARNESS_ORIGIN } from './harness-origin.js';

/** Opens the test page and waits until its module has set up `window.otb`. */
export async function openHarness(page: Page, path = '/'): Promise<void> {
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(path);
  await page.waitForFunction(() => window.otb?.ready === true);
}

/**
 * One harness page per Playwright worker, reused by the cases that need only a
 * page (each case uses its own database name): a fresh context per case cost
 * about 3 s in Firefox, most of the suite's time.
 */
export const test = base.extend<object, { harness: Page }>({
  harness: [
    async ({ browser }, use) => {
      const context = await browser.newContext({ baseURL: HARNESS_ORIGIN });
      const page = await context.newPage();
      await openHarness(page);
      await use(page);
      await context.close();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
