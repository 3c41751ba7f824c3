import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, firefox, test, type BrowserContext, type Page } from '@playwright/test';
import { killBrowserOnProfile } from '../support/browser-process.js';
import { startCollector, type Collector } from '../support/collector.js';
import { engines, type EngineName } from '../support/browsers.js';
import { HARNESS_ORIGIN } from '../support/harness-origin.js';
import { openHarness } from '../support/harness.js';

// Faults the buffer must survive without losing an acknowledged trace. The
// fast variants run in `npm test`; `npm run test:faults` (FAULTS=heavy) raises
// the counts.
const HEAVY = process.env['FAULTS'] === 'heavy';
const launchers = { chromium, firefox };

/** A browser on a real profile folder: Chromium's `newContext()` keeps IndexedDB in memory. */
async function launchOnProfile(
  engine: EngineName,
  profileDir: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await launchers[engine].launchPersistentContext(profileDir, {
    ...engines[engine].launchOptions(),
    baseURL: HARNESS_ORIGIN,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await openHarness(page);
  return { context, page };
}

function engineOf(browserName: string): EngineName {
  if (browserName !== 'chromium' && browserName !== 'firefox') throw new Error(`no fault runs for ${browserName}`);
  return browserName;
}

/** Kept for the report: what each crash run confirmed and found again. */
function figure(label: string, values: Record<string, unknown>): void {
  const line = `[faults] ${label}: ${JSON.stringify(values)}`;
  console.log(line);
  test.info().annotations.push({ type: 'figure', description: line });
}

test.describe('browser crash', () => {
  // A process kill loses what the browser had not yet handed to the OS; it
  // cannot show what 'strict' adds (a flush to disk before the commit), which
  // only a power cut would. 'default' is what the library ships, so it runs in
  // every `npm test`; 'strict' joins it in the heavy run. Each launch costs
  // seconds (tens in Firefox on a fresh profile), hence not both every time.
  const durabilities = HEAVY ? (['default', 'strict'] as const) : (['default'] as const);
  for (const durability of durabilities) {
    test(`every trace whose storeTrace resolved true survives a SIGKILL of the browser (durability ${durability})`, async ({
      browserName,
    }) => {
      test.slow();
      const engine = engineOf(browserName);
      const profileDir = mkdtempSync(join(tmpdir(), `otb-crash-${engine}-`));
      const name = `crash-${durability}`;
      // Confirmations the test has seen before it pulls the plug: the page logs
      // each one only after its storeTrace resolved true.
      const confirmTarget = HEAVY ? 3_000 : 300;
      try {
        const first = await launchOnProfile(engine, profileDir);
        const confirmed = new Map<string, string>();
        first.page.on('console', (message) => {
          const [tag, id, payload] = message.text().split(' ');
          if (tag === 'confirmed' && id && payload) confirmed.set(id, payload);
        });
        await first.page.evaluate(
          ({ name, durability }) =>
            window.otb.pageBuffers.open('crash', { name, storage: 'indexeddb', durability, autoReplay: false }),
          { name, durability },
        );
        // The burst never ends by itself: the browser dies under it.
        const burst = first.page
          .evaluate(async () => {
            const buffer = window.otb.pageBuffers.get('crash');
            const randomHex = (chars: number): string =>
              Array.from(crypto.getRandomValues(new Uint8Array(chars / 2)), (b) =>
                b.toString(16).padStart(2, '0'),
              ).join('');
            let inFlight = 0;
            for (let i = 0; ; i++) {
              // Bounded in flight so the page's memory stays flat however long the burst lasts.
              while (inFlight >= 200) await new Promise((resolve) => setTimeout(resolve, 1));
              const id = `c-${i}`;
              const payload = randomHex(400);
              inFlight++;
              void buffer.storeTrace({ inferenceId: id, payload }).then((stored) => {
                inFlight--;
                if (stored) console.log(`confirmed ${id} ${payload}`);
              });
              if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0));
            }
          })
          .catch((error: unknown) => String(error));
        await expect.poll(() => confirmed.size, { timeout: 60_000 }).toBeGreaterThanOrEqual(confirmTarget);
        const acknowledged = new Map(confirmed);
        const killed = killBrowserOnProfile(profileDir);
        await burst;
        await first.context
          .close()
          .catch((error: unknown) => console.log(`[faults] close after kill: ${String(error)}`));

        const second = await launchOnProfile(engine, profileDir);
        try {
          const found = await second.page.evaluate(
            async ({ name, durability }) => {
              window.otb.pageBuffers.open('after', { name, storage: 'indexeddb', durability, autoReplay: false });
              const buffer = window.otb.pageBuffers.get('after');
              const traces = await buffer.getBufferedTraces();
              const status = await buffer.getBufferStatus();
              return {
                traces: traces.map((t) => [t.traceData['inferenceId'], t.traceData['payload']] as [string, string]),
                totalTraces: status.totalTraces,
                corruptRecords: status.corruptRecords,
                backend: status.backend,
              };
            },
            { name, durability },
          );
          const foundById = new Map(found.traces);
          const missing = [...acknowledged.keys()].filter((id) => !foundById.has(id));
          const altered = [...acknowledged].filter(
            ([id, payload]) => foundById.has(id) && foundById.get(id) !== payload,
          );
          figure(`crash ${engine} durability=${durability}`, {
            confirmedBeforeKill: acknowledged.size,
            foundAfter: found.traces.length,
            confirmedFound: acknowledged.size - missing.length,
            unconfirmedFound: found.traces.length - (acknowledged.size - missing.length),
            corruptRecords: found.corruptRecords,
            pidsKilled: killed.length,
          });
          expect(found.backend).toBe('indexeddb');
          expect(missing, 'confirmed traces lost in the crash').toEqual([]);
          expect(altered, 'confirmed traces read back different').toEqual([]);
          expect(found.corruptRecords, 'torn records after the crash').toBe(0);
          // The store is usable after the crash: it clears and takes new traces.
          const afterClear = await second.page.evaluate(async () => {
            const buffer = window.otb.pageBuffers.get('after');
            await buffer.clearBuffer();
            const stored = await buffer.storeTrace({ inferenceId: 'after-crash' });
            return { stored, total: (await buffer.getBufferStatus()).totalTraces };
          });
          expect(afterClear).toEqual({ stored: true, total: 1 });
        } finally {
          await second.context.close();
        }
      } finally {
        rmSync(profileDir, { recursive: true, force: true });
      }
    });
  }
});

/** A page of its own on the harness, in the test's (in-memory) context: behaviour, not durability. */
async function harnessPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await openHarness(page);
  return page;
}

test.describe('corrupt data', () => {
  let collector: Collector;
  test.beforeEach(async () => {
    collector = await startCollector();
  });
  test.afterEach(async () => {
    await collector.close();
  });

  test('records edited to invalid shapes are skipped and reported by reads, replay delivers the rest, clearBuffer empties the store', async ({
    context,
  }) => {
    const page = await harnessPage(context);
    const name = `corrupt-${Date.now().toString(36)}`;
    const result = await page
      .evaluate(
        async ({ name, url }) => {
          const { pageBuffers } = window.otb;
          pageBuffers.errors.length = 0;
          pageBuffers.open('corrupt', { name, storage: 'indexeddb', autoReplay: false, collectorUrl: url });
          const buffer = pageBuffers.get('corrupt');
          for (const id of ['good-1', 'good-2', 'good-3']) await buffer.storeTrace({ inferenceId: id });
          const [sample] = await buffer.getBufferedTraces();
          // Straight into the database, as a bug, an old version or a user with devtools could.
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const request = indexedDB.open(`offline-trace-buffer:${name}`);
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error ?? new Error('open failed'));
          });
          const tx = db.transaction('traces', 'readwrite');
          const traces = tx.objectStore('traces');
          const raw = await new Promise<Record<string, unknown>>((resolve) => {
            const request = traces.get(sample!.id);
            request.onsuccess = () => resolve(request.result as Record<string, unknown>);
          });
          traces.put({ ...raw, id: 'bad-no-timestamp', timestamp: undefined });
          traces.put({ ...raw, id: 'bad-string-data', traceData: 'not an object' });
          traces.put({ ...raw, id: 'bad-metadata', metadata: null });
          // keyPath 'id' accepts number keys too: a record stored under the wrong kind of key.
          traces.put({ ...raw, id: 42 });
          await new Promise<void>((resolve, reject) => {
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error ?? new Error('write failed'));
          });
          db.close();
          const read = await buffer.getBufferedTraces();
          const statusAfterRead = await buffer.getBufferStatus();
          const replay = await buffer.replayBufferedTraces();
          const removed = await buffer.clearBuffer();
          const statusAfterClear = await buffer.getBufferStatus();
          const readAfterClear = await buffer.getBufferedTraces();
          return {
            readIds: read.map((t) => t.traceData['inferenceId']),
            corruptRecords: statusAfterRead.corruptRecords,
            errorCodes: pageBuffers.errors.map((e) => e.code),
            errorMessages: pageBuffers.errors.map((e) => e.message),
            replay: { successCount: replay.successCount, failureCount: replay.failureCount },
            removed,
            totalAfterClear: statusAfterClear.totalTraces,
            readAfterClear: readAfterClear.length,
          };
        },
        { name, url: collector.url },
      )
      .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    if (typeof result === 'string') throw new Error(`the page failed: ${result}`);
    expect(result.readIds).toEqual(['good-1', 'good-2', 'good-3']);
    // Each bad record is reported once, by its key and what is wrong with it.
    expect(result.errorCodes.filter((code) => code === 'CORRUPT_RECORD').length).toBe(4);
    expect(result.errorMessages.join('\n')).toContain('"bad-string-data": traceData is not an object');
    expect(result.corruptRecords).toBe(4);
    expect(result.replay).toEqual({ successCount: 3, failureCount: 0 });
    expect(collector.deliveries.size).toBe(3);
    expect(result.totalAfterClear).toBe(0);
    expect(result.readAfterClear).toBe(0);
    figure('corrupt', { corruptRecords: result.corruptRecords, removedByClear: result.removed });
  });
});
