import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { HARNESS_ORIGIN } from '../support/harness-origin.js';
import { OtlpCollector } from '../support/otlp-collector.js';

/**
 * The OpenTelemetry entry with both SDK lines it supports, each on its own
 * page: the root's 3.x line (`@opentelemetry/sdk-trace` 3.1.0, exporter
 * 0.301.0) and the 2.x line (`sdk-trace-web` 2.12.0, exporter 0.223.0, api
 * 1.9.1; test/otel2). `sdkVersion` is what the SDK writes as the resource's
 * `telemetry.sdk.version`: seen by the collector, it proves which line ran.
 */
const LINES = [
  { line: '3.x', page: '/otel.html', sdkVersion: '3.1.0' },
  { line: '2.x', page: '/otel2.html', sdkVersion: '2.12.0' },
] as const;

/**
 * Each line's page, opened once per Playwright worker and reused by its cases
 * (each sets up its own buffer, by name, and its own collector): opening a
 * page costs about 2 s, most of a case's time.
 */
const test = base.extend<object, { otelPage: (path: string) => Promise<Page> }>({
  otelPage: [
    async ({ browser }, use) => {
      const context = await browser.newContext({ baseURL: HARNESS_ORIGIN });
      const pages = new Map<string, Promise<Page>>();
      await use((path) => {
        let opened = pages.get(path);
        if (!opened) pages.set(path, (opened = openOtelPage(context, path)));
        return opened;
      });
      await context.close();
    },
    { scope: 'worker' },
  ],
});

async function openOtelPage(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(path);
  await page.waitForFunction(() => window.otbOtel?.ready === true);
  return page;
}

for (const { line, page: pagePath, sdkVersion } of LINES) {
  test.describe(`OpenTelemetry buffering exporter, SDK ${line} line`, () => {
    let collector: OtlpCollector;
    let collectorUrl: string;
    let page: Page;

    test.beforeEach(async ({ otelPage }, testInfo) => {
      collector = new OtlpCollector();
      collectorUrl = await collector.start();
      page = await otelPage(pagePath);
      const name = `otel-${line}-${testInfo.project.name}-${testInfo.testId.slice(0, 12)}-${Date.now()}`;
      await page.evaluate(([url, bufferName]) => window.otbOtel.setUp(url, bufferName), [collectorUrl, name] as const);
    });

    test.afterEach(async () => {
      await page.evaluate(() => window.otbOtel.tearDown());
      await collector.stop();
    });

    test('buffers spans while the collector is down and re-exports each exactly once when it is up', async () => {
      const offlineIds = await page.evaluate(() => window.otbOtel.produce(5, 'offline'));
      expect(new Set(offlineIds).size).toBe(5);
      expect(collector.refusedRequests).toBeGreaterThan(0);
      expect(collector.accepted).toEqual([]);
      const buffered = await page.evaluate(() => window.otbOtel.status());
      expect(buffered.totalTraces).toBe(5);
      expect(buffered.persistent).toBe(true);

      collector.answer = 'up';
      // A live export while up goes straight through and is not buffered.
      const liveIds = await page.evaluate(() => window.otbOtel.produce(2, 'live'));
      expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(5);

      const replay = await page.evaluate(() => window.otbOtel.replay());
      expect(replay).toMatchObject({ totalTraces: 5, successCount: 5, failureCount: 0 });
      expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(0);

      // A second replay finds nothing: no span is sent twice.
      expect((await page.evaluate(() => window.otbOtel.replay())).totalTraces).toBe(0);
      expect([...collector.accepted].sort()).toEqual([...offlineIds, ...liveIds].sort());
      // The spans, live and replayed, were made by this line's SDK.
      expect([...collector.sdkVersions]).toEqual([sdkVersion]);
      expect(await page.evaluate(() => window.otbOtel.errors())).toEqual([]);
    });

    test('keeps the spans buffered when the collector is still down at replay', async () => {
      await page.evaluate(() => window.otbOtel.produce(3, 'offline'));

      const replay = await page.evaluate(() => window.otbOtel.replay());
      expect(replay).toMatchObject({ totalTraces: 3, successCount: 0, failureCount: 3 });
      expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(3);
      expect(collector.accepted).toEqual([]);

      collector.answer = 'up';
      expect(await page.evaluate(() => window.otbOtel.replay())).toMatchObject({ successCount: 3 });
      expect(new Set(collector.accepted).size).toBe(3);
      expect(collector.accepted).toHaveLength(3);
    });

    test("a collector's 400, read from the fetch transport's plain Error, refuses each span on its own: bisected, dead-lettered, never retried", async () => {
      await page.evaluate(() => window.otbOtel.produce(3, 'refused'));
      expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(3);

      collector.answer = 400;
      const before = collector.refusedRequests;
      const replay = await page.evaluate(() => window.otbOtel.replay());
      expect(replay).toMatchObject({ totalTraces: 3, successCount: 0, failureCount: 3 });
      // Judged: refused for good, not a pause and not a retry.
      for (const failed of replay.failedTraces) {
        expect(failed).toMatchObject({ retryable: false });
        expect(failed.blocked).toBeUndefined();
      }
      // The batch of 3 is bisected before any span is judged (3 → 2 + 1 → 1 + 1): five requests,
      // and the exporter itself retries none of them.
      expect(collector.refusedRequests - before).toBe(5);
      const errors = await page.evaluate(() => window.otbOtel.errors());
      expect(errors).toHaveLength(1);
      // The browser transport gives no numeric code: the status came from this message.
      expect(errors[0]).toMatch(/^SEND_FAILED: .*\(status 400\).*Fetch request failed with non-retryable status 400/);

      // Kept as dead letters, out of the queue: later replays send nothing, even once the collector takes spans.
      expect(await page.evaluate(() => window.otbOtel.status())).toMatchObject({ totalTraces: 0, deadLetters: 3 });
      collector.answer = 'up';
      expect((await page.evaluate(() => window.otbOtel.replay())).totalTraces).toBe(0);
      expect(collector.refusedRequests - before).toBe(5);
      expect(collector.accepted).toEqual([]);
    });

    test('a 401 pauses delivery: every span kept, SEND_BLOCKED once, then resume() re-exports each once', async () => {
      const ids = await page.evaluate(() => window.otbOtel.produce(4, 'unauthorised'));

      collector.answer = 401;
      for (let i = 0; i < 2; i++) {
        const replay = await page.evaluate(() => window.otbOtel.replay());
        expect(replay).toMatchObject({ totalTraces: 4, successCount: 0, failureCount: 4 });
        for (const failed of replay.failedTraces) expect(failed).toMatchObject({ blocked: true, attempts: 0 });
      }
      const paused = await page.evaluate(() => window.otbOtel.status());
      expect(paused.totalTraces).toBe(4);
      expect(paused.blocked).toMatchObject({ status: 401 });
      const errors = await page.evaluate(() => window.otbOtel.errors());
      expect(errors.filter((error) => error.startsWith('SEND_BLOCKED'))).toHaveLength(1);
      expect(errors.filter((error) => !error.startsWith('SEND_BLOCKED'))).toEqual([]);

      collector.answer = 'up';
      await page.evaluate(() => window.otbOtel.resume());
      expect(await page.evaluate(() => window.otbOtel.replay())).toMatchObject({ successCount: 4, failureCount: 0 });
      expect([...collector.accepted].sort()).toEqual([...ids].sort());
      const resumed = await page.evaluate(() => window.otbOtel.status());
      expect(resumed).toMatchObject({ totalTraces: 0, blocked: null });
      expect([...collector.sdkVersions]).toEqual([sdkVersion]);
    });
  });
}
