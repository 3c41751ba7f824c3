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
            window.otb.pageBuffers.open('crash', {
              name,
              storage: 'indexeddb',
              durability,
              autoReplay: false,
              maxBufferSize: 1_000_000,
            }),
          { name, durability },
        );
        // The cap is raised above: the default 1000 would evict (and report) confirmed traces, which is not the
        // loss this test looks for. The burst never ends by itself: the browser dies under it.
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
              window.otb.pageBuffers.open('after', {
                name,
                storage: 'indexeddb',
                durability,
                autoReplay: false,
                maxBufferSize: 1_000_000,
              });
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
          traces.put({ ...raw, id: 'bad-trace-json', traceJson: { not: 'a string' } });
          // Well formed but for its JSON text, cut short: found only when the trace is read out.
          traces.put({ ...raw, id: 'bad-cut-json', traceJson: '{"inferenceId":"cut' });
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
    expect(result.errorCodes.filter((code) => code === 'CORRUPT_RECORD').length).toBe(5);
    expect(result.errorMessages.join('\n')).toContain('"bad-trace-json": traceJson is not a string');
    expect(result.errorMessages.join('\n')).toContain('"bad-cut-json": traceJson is not valid JSON');
    expect(result.corruptRecords).toBe(5);
    expect(result.replay).toEqual({ successCount: 3, failureCount: 0 });
    expect(collector.deliveries.size).toBe(3);
    expect(result.totalAfterClear).toBe(0);
    expect(result.readAfterClear).toBe(0);
    figure('corrupt', { corruptRecords: result.corruptRecords, removedByClear: result.removed });
  });
});

/** What a buffer on a page did with one store when its storage would not open. */
interface UnavailableOutcome {
  stored: boolean | string;
  backend: string;
  fallbackReason: string | null;
  persistent: boolean;
  errors: { code: string; message: string }[];
}

/** Opens a buffer on `page` and stores one trace, giving up on a store that never settles. */
function storeOnce(page: Page, name: string, storage: 'auto' | 'indexeddb'): Promise<UnavailableOutcome> {
  return page.evaluate(
    async ({ name, storage }) => {
      const { pageBuffers } = window.otb;
      pageBuffers.errors.length = 0;
      pageBuffers.open(storage, { name, storage, autoReplay: false });
      const buffer = pageBuffers.get(storage);
      const stored = await Promise.race([
        buffer.storeTrace({ inferenceId: 'one' }).catch((error: unknown) => `rejected: ${String(error)}`),
        new Promise<string>((resolve) => setTimeout(() => resolve('still pending after 15 s'), 15_000)),
      ]);
      const status = await buffer.getBufferStatus();
      return {
        stored,
        backend: status.backend,
        fallbackReason: status.fallbackReason,
        persistent: status.persistent,
        errors: [...pageBuffers.errors],
      };
    },
    { name, storage },
  );
}

test.describe('storage unavailable', () => {
  // Firefox private windows: indexedDB exists but open fails (idb#81, Dexie#312).
  for (const how of ['throws', 'fails its request'] as const) {
    test(`indexedDB.open ${how} with InvalidStateError: 'auto' falls back to memory and says why, 'indexeddb' reports STORAGE_UNAVAILABLE`, async ({
      context,
    }) => {
      const page = await harnessPage(context);
      await page.evaluate(async (how) => {
        const failure = (): DOMException =>
          new DOMException(
            'A mutation operation was attempted on a database that did not allow mutations.',
            'InvalidStateError',
          );
        const open = indexedDB.open.bind(indexedDB);
        // A real request that really fails (asking for a version older than the
        // database's), reporting the error Firefox's private mode gives.
        const probe = `otb-failing-open-${Math.random()}`;
        await new Promise<void>((resolve) => {
          const request = open(probe, 2);
          request.onsuccess = () => {
            request.result.close();
            resolve();
          };
        });
        const calls = window as unknown as { openCalls: number };
        calls.openCalls = 0;
        indexedDB.open = (): IDBOpenDBRequest => {
          calls.openCalls++;
          if (how === 'throws') throw failure();
          const request = open(probe, 1);
          Object.defineProperty(request, 'error', { get: failure });
          return request;
        };
      }, how);
      const name = `private-${Date.now().toString(36)}`;
      const auto = await storeOnce(page, name, 'auto');
      expect(auto.stored).toBe(true);
      expect(auto.backend).toBe('memory');
      expect(auto.persistent).toBe(false);
      expect(auto.fallbackReason).toContain('InvalidStateError');
      const explicit = await storeOnce(page, name, 'indexeddb');
      expect(explicit.stored).toBe(false);
      const unavailable = explicit.errors.find((e) => e.code === 'STORAGE_UNAVAILABLE');
      expect(unavailable?.message, JSON.stringify(explicit.errors)).toContain('InvalidStateError');
      expect(explicit.errors.filter((e) => e.code === 'STORAGE_UNAVAILABLE')).toHaveLength(1);
      // Right after a failed open, further calls fail fast: no new open, no new report.
      const again = await page.evaluate(async () => {
        const { pageBuffers } = window.otb;
        const calls = window as unknown as { openCalls: number };
        pageBuffers.errors.length = 0;
        calls.openCalls = 0;
        const buffer = pageBuffers.get('indexeddb');
        for (let i = 0; i < 3; i++) await buffer.getBufferStatus();
        const stored = await buffer.storeTrace({ inferenceId: 'again' });
        return { stored, openCalls: calls.openCalls, errors: pageBuffers.errors.length };
      });
      expect(again).toEqual({ stored: false, openCalls: 0, errors: 0 });
      figure(`unavailable (${how})`, { auto: auto.fallbackReason, indexeddb: unavailable?.message });
    });
  }

  test("a database another tab upgraded to a newer version: 'auto' falls back to memory, 'indexeddb' reports STORAGE_UNAVAILABLE", async ({
    context,
  }) => {
    const name = `newer-${Date.now().toString(36)}`;
    const other = await harnessPage(context);
    // The other tab's newer code upgraded the database and keeps its connection
    // open, ignoring versionchange: our version-1 open cannot succeed.
    await other.evaluate(
      (dbName) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.open(dbName, 2);
          request.onupgradeneeded = () => request.result.createObjectStore('traces', { keyPath: 'id' });
          request.onsuccess = () => {
            (window as unknown as { held: IDBDatabase }).held = request.result;
            resolve();
          };
          request.onerror = () => reject(request.error ?? new Error('open failed'));
        }),
      `offline-trace-buffer:${name}`,
    );
    const page = await harnessPage(context);
    const auto = await storeOnce(page, name, 'auto');
    const explicit = await storeOnce(page, name, 'indexeddb');
    figure('unavailable (newer version held by another tab)', {
      auto: auto.fallbackReason,
      indexeddb: explicit.errors.map((e) => e.message),
    });
    expect(auto).toMatchObject({ stored: true, backend: 'memory' });
    expect(auto.fallbackReason).toContain('VersionError');
    expect(explicit.stored).toBe(false);
    expect(explicit.errors.find((e) => e.code === 'STORAGE_UNAVAILABLE')?.message).toContain('VersionError');
  });

  test('an open queued behind an upgrade blocked in another tab gives up: auto falls back to memory, indexeddb reports STORAGE_UNAVAILABLE', async ({
    context,
  }) => {
    test.slow();
    const name = `blocked-${Date.now().toString(36)}`;
    const dbName = `offline-trace-buffer:${name}`;
    const holder = await harnessPage(context);
    // One tab holds version 1 and never lets go; another asks for version 2 and
    // stays blocked; our open queues behind that upgrade.
    await holder.evaluate(
      (dbName) =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.open(dbName, 1);
          request.onsuccess = () => {
            (window as unknown as { held: IDBDatabase }).held = request.result;
            resolve();
          };
          request.onerror = () => reject(request.error ?? new Error('open failed'));
        }),
      dbName,
    );
    const upgrader = await harnessPage(context);
    const upgradeBlocked = await upgrader.evaluate(
      (dbName) =>
        new Promise<boolean>((resolve) => {
          const request = indexedDB.open(dbName, 2);
          request.onblocked = () => resolve(true);
          request.onsuccess = () => resolve(false);
        }),
      dbName,
    );
    expect(upgradeBlocked).toBe(true);
    const page = await harnessPage(context);
    const auto = await storeOnce(page, name, 'auto');
    const explicit = await storeOnce(page, name, 'indexeddb');
    figure('unavailable (upgrade blocked in another tab)', {
      auto: { stored: auto.stored, backend: auto.backend, reason: auto.fallbackReason },
      indexeddb: { stored: explicit.stored, errors: explicit.errors.map((e) => e.message) },
    });
    expect(auto).toMatchObject({ stored: true, backend: 'memory' });
    expect(auto.fallbackReason).toContain('did not settle');
    expect(explicit.stored).toBe(false);
    expect(explicit.errors.find((e) => e.code === 'STORAGE_UNAVAILABLE')?.message).toContain('did not settle');
  });
});

test.describe('quota exceeded', () => {
  let collector: Collector;
  test.beforeEach(async () => {
    collector = await startCollector();
  });
  test.afterEach(async () => {
    await collector.close();
  });

  test('a full origin: storeTrace never throws, drops with reason quota and says why; replay, removeTrace and clearBuffer still drain it', async ({
    browserName,
  }) => {
    const engine = engineOf(browserName);
    const why =
      'Chromium only: shrinking an origin quota needs the DevTools protocol (Storage.overrideQuotaForOrigin); Firefox over WebDriver BiDi has no equivalent, and filling its real quota (10% of the disk) is too slow for a test';
    if (engine !== 'chromium') console.log(`[faults] quota test skipped in ${engine}: ${why}`);
    test.skip(engine !== 'chromium', why);
    test.slow();
    const profileDir = mkdtempSync(join(tmpdir(), 'otb-quota-'));
    try {
      const { context, page } = await launchOnProfile(engine, profileDir);
      try {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN, quotaSize: 2 * 1024 * 1024 });
        const traceCount = HEAVY ? 600 : 200;
        const filled = await page.evaluate(
          async ({ traceCount, url }) => {
            const { pageBuffers } = window.otb;
            pageBuffers.open('quota', { name: 'quota', storage: 'indexeddb', autoReplay: false, collectorUrl: url });
            const buffer = pageBuffers.get('quota');
            // Random text: Chromium compresses what it stores, so repeated characters never fill a quota.
            const randomText = (chars: number): string =>
              Array.from(crypto.getRandomValues(new Uint8Array(chars / 2)), (b) =>
                b.toString(16).padStart(2, '0'),
              ).join('');
            const outcomes: (boolean | string)[] = [];
            for (let i = 0; i < traceCount; i++) {
              outcomes.push(
                await buffer
                  .storeTrace({ inferenceId: `q-${i}`, payload: randomText(20_000) })
                  .catch((error: unknown) => `threw: ${String(error)}`),
              );
            }
            const kept = (await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId'] as string);
            const status = await buffer.getBufferStatus();
            const droppedIds = pageBuffers.events.flatMap((event) =>
              event.type === 'dropped' ? event.traces.map((t) => `${event.reason}:${t.traceId}`) : [],
            );
            return {
              outcomes,
              kept,
              totalTraces: status.totalTraces,
              dropped: status.dropped,
              lastError: status.lastError,
              errors: [...pageBuffers.errors],
              droppedIds,
            };
          },
          { traceCount, url: collector.url },
        );
        const acknowledged = filled.outcomes.flatMap((outcome, i) => (outcome === true ? [`q-${i}`] : []));
        const droppedAfterAck = new Set(filled.droppedIds.map((entry) => entry.slice(entry.indexOf(':') + 1)));
        // Old traces evicted to make room that never came: Chromium keeps deleted
        // data on disk until it compacts, so evicting frees no quota at once.
        const evictedForNothing = filled.droppedIds.filter(
          (entry) => entry.startsWith('quota:') && acknowledged.includes(entry.slice('quota:'.length)),
        );
        expect(filled.outcomes.filter((o) => typeof o === 'string')).toEqual([]);
        expect(filled.errors.some((e) => e.code === 'QUOTA_EXCEEDED')).toBe(true);
        expect(filled.lastError?.code).toBe('QUOTA_EXCEEDED');
        expect(filled.lastError?.message).toContain('still out of quota');
        expect(filled.dropped.quota).toBeGreaterThan(0);
        // Every acknowledged trace is still there unless a 'dropped' event named it.
        const keptSet = new Set(filled.kept);
        expect(acknowledged.filter((id) => !keptSet.has(id) && !droppedAfterAck.has(id))).toEqual([]);
        // Once evicting proved useless, new traces are dropped instead of the old ones.
        expect(evictedForNothing.length).toBeLessThanOrEqual(1);
        expect(filled.totalTraces).toBe(filled.kept.length);
        expect(filled.kept.length).toBeGreaterThan(20);

        // The origin is still full: everything that removes must still work.
        const drained = await page.evaluate(async (url) => {
          const { pageBuffers } = window.otb;
          pageBuffers.errors.length = 0;
          const buffer = pageBuffers.get('quota');
          const [first] = await buffer.getBufferedTraces();
          const removedOne = await buffer.removeTrace(first!.id);
          const total = (await buffer.getBufferStatus()).totalTraces;
          // Half the rest are delivered; the collector is "down" for the other half,
          // whose attempt counts cannot be written under the full quota.
          const half = Math.floor(total / 2);
          let sent = 0;
          const replay = await buffer.replayBufferedTraces({
            batchSize: 10,
            maxRetries: 0,
            send: async (traces) => {
              if (sent + traces.length > half) throw new Error('collector down');
              sent += traces.length;
              const response = await fetch(url, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(traces.map((t) => ({ id: t.id, traceId: t.traceData['inferenceId'] }))),
              });
              if (!response.ok) throw new Error(`collector answered ${response.status}`);
            },
          });
          const afterReplay = (await buffer.getBufferStatus()).totalTraces;
          const leftIds = (await buffer.getBufferedTraces()).map((t) => t.id);
          const cleared = await buffer.clearBuffer();
          const afterClear = await buffer.getBufferStatus();
          const storedWhileFull = await buffer.storeTrace({ inferenceId: 'while-full', payload: 'x' });
          return {
            removedOne,
            firstGone: !(await buffer.getBufferedTraces()).some((t) => t.id === first!.id),
            total,
            replay: { successCount: replay.successCount, failureCount: replay.failureCount },
            afterReplay,
            leftIds,
            cleared,
            afterClear: afterClear.totalTraces,
            storedWhileFull,
            errors: [...pageBuffers.errors],
          };
        }, collector.url);
        expect(drained.removedOne).toBe(true);
        expect(drained.firstGone).toBe(true);
        expect(drained.total).toBe(filled.kept.length - 1);
        expect(drained.replay.successCount).toBeGreaterThan(0);
        expect(drained.replay.successCount + drained.replay.failureCount).toBe(drained.total);
        expect(collector.deliveries.size).toBe(drained.replay.successCount);
        expect(drained.afterReplay).toBe(drained.total - drained.replay.successCount);
        // What was delivered is gone from storage, so no later replay sends it twice.
        expect(drained.leftIds.filter((id) => collector.deliveries.has(id))).toEqual([]);
        expect(drained.cleared).toBe(drained.afterReplay);
        expect(drained.afterClear).toBe(0);
        // Chromium has not given the space back yet: the store is refused, and the report says what to do.
        expect(drained.storedWhileFull).toBe(false);
        const refusal = drained.errors.filter((e) => e.code === 'QUOTA_EXCEEDED').at(-1);
        expect(refusal?.message).toContain('still out of quota');

        // Once the browser has room again, stores are kept and the totals are right.
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: HARNESS_ORIGIN, quotaSize: 256 * 1024 * 1024 });
        const recovered = await page.evaluate(async () => {
          const buffer = window.otb.pageBuffers.get('quota');
          const stored = await buffer.storeTrace({ inferenceId: 'after-room', payload: 'x' });
          const status = await buffer.getBufferStatus();
          return {
            stored,
            totalTraces: status.totalTraces,
            ids: (await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId']),
          };
        });
        figure('quota chromium 2 MiB', {
          stores: traceCount,
          resolvedTrue: acknowledged.length,
          resolvedFalse: filled.outcomes.filter((o) => o === false).length,
          kept: filled.kept.length,
          dropped: filled.dropped,
          evictedForNothing: evictedForNothing.length,
          removeTrace: drained.removedOne,
          replay: drained.replay,
          cleared: drained.cleared,
          storedWhileFull: drained.storedWhileFull,
          storedAfterRoom: recovered.stored,
        });
        expect(recovered).toEqual({ stored: true, totalTraces: 1, ids: ['after-room'] });
      } finally {
        await context.close();
      }
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }
  });
});

test.describe('load', () => {
  let collector: Collector;
  test.beforeEach(async () => {
    collector = await startCollector();
  });
  test.afterEach(async () => {
    await collector.close();
  });

  // 10,000 takes about 40 s per engine on two busy cores: the heavy run's; npm test stores 2,000.
  const total = HEAVY ? 10_000 : 2_000;
  test(`${total} traces replayed through a collector that fails one request in three: each delivered exactly once`, async ({
    context,
  }) => {
    test.slow();
    collector.setMode({ kind: 'failOneInThree', status: 503 });
    const page = await harnessPage(context);
    const name = `load-${Date.now().toString(36)}`;
    const result = await page.evaluate(
      async ({ name, url, total }) => {
        const { pageBuffers } = window.otb;
        pageBuffers.open('load', {
          name,
          storage: 'indexeddb',
          maxBufferSize: total,
          autoReplay: false,
          collectorUrl: url,
        });
        const stored = await pageBuffers.storeMany('load', total, 500, 'load');
        const buffer = pageBuffers.get('load');
        let passes = 0;
        let failures = 0;
        // Each pass gives up on a batch after its attempts; the next pass takes it again.
        while ((await buffer.getBufferStatus()).totalTraces > 0 && passes < 100) {
          const replay = await buffer.replayBufferedTraces({ maxRetries: 3, batchSize: 100 });
          failures += replay.failureCount;
          passes++;
        }
        return {
          storedTrue: stored.filter(Boolean).length,
          passes,
          failures,
          left: (await buffer.getBufferStatus()).totalTraces,
        };
      },
      { name, url: collector.url, total },
    );
    const times = [...collector.deliveries.values()];
    figure('load', {
      traces: total,
      ...result,
      requests: collector.requests,
      delivered: collector.deliveries.size,
      deliveredTwice: times.filter((n) => n > 1).length,
    });
    expect(result.storedTrue).toBe(total);
    expect(result.left).toBe(0);
    expect(collector.deliveries.size).toBe(total);
    // No send was aborted here (no lease ran out, no tab died): the documented
    // in-flight duplicate cannot happen, so every trace arrives exactly once.
    expect(times.filter((n) => n !== 1)).toEqual([]);
  });
});

test.describe('tab killed', () => {
  test('a tab closed mid-burst: every trace whose storeTrace resolved true is read by the next tab', async ({
    context,
  }) => {
    const name = `tab-burst-${Date.now().toString(36)}`;
    const doomed = await harnessPage(context);
    const confirmed = new Set<string>();
    doomed.on('console', (message) => {
      const [tag, id] = message.text().split(' ');
      if (tag === 'confirmed' && id) confirmed.add(id);
    });
    await doomed.evaluate(
      (name) =>
        window.otb.pageBuffers.open('burst', {
          name,
          storage: 'indexeddb',
          autoReplay: false,
          maxBufferSize: 1_000_000,
        }),
      name,
    );
    const burst = doomed
      .evaluate(async () => {
        const buffer = window.otb.pageBuffers.get('burst');
        let inFlight = 0;
        for (let i = 0; ; i++) {
          while (inFlight >= 100) await new Promise((resolve) => setTimeout(resolve, 1));
          const id = `t-${i}`;
          inFlight++;
          void buffer.storeTrace({ inferenceId: id, output: 'y'.repeat(300) }).then((stored) => {
            inFlight--;
            if (stored) console.log(`confirmed ${id}`);
          });
          if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0));
        }
      })
      .catch((error: unknown) => String(error));
    await expect.poll(() => confirmed.size, { timeout: 30_000 }).toBeGreaterThanOrEqual(HEAVY ? 2_000 : 200);
    const acknowledged = [...confirmed];
    // No beforeunload, no pagehide flush: the tab is gone mid-write.
    await doomed.close({ runBeforeUnload: false });
    await burst;
    const next = await harnessPage(context);
    const found = await next.evaluate(async (name) => {
      window.otb.pageBuffers.open('after', { name, storage: 'indexeddb', autoReplay: false, maxBufferSize: 1_000_000 });
      const buffer = window.otb.pageBuffers.get('after');
      const traces = await buffer.getBufferedTraces();
      return {
        ids: traces.map((t) => t.traceData['inferenceId'] as string),
        corrupt: (await buffer.getBufferStatus()).corruptRecords,
      };
    }, name);
    const foundIds = new Set(found.ids);
    figure('tab closed mid-burst', { confirmedBeforeClose: acknowledged.length, foundAfter: found.ids.length });
    expect(acknowledged.filter((id) => !foundIds.has(id))).toEqual([]);
    expect(found.corrupt).toBe(0);
  });
});

test.describe('tab killed mid-replay', () => {
  let collector: Collector;
  test.beforeEach(async () => {
    collector = await startCollector();
  });
  test.afterEach(async () => {
    await collector.close();
  });

  test('a tab killed after the collector took its batches but before the answers: only the batches in flight are delivered twice', async ({
    context,
  }) => {
    const name = `inflight-${Date.now().toString(36)}`;
    const batchSize = 10;
    const doomed = await harnessPage(context);
    await doomed.evaluate(
      ({ name, url }) =>
        window.otb.pageBuffers.open('b', { name, storage: 'indexeddb', autoReplay: false, collectorUrl: url }),
      { name, url: collector.url },
    );
    await doomed.evaluate(() => window.otb.pageBuffers.storeMany('b', 50, 10, 'inflight'), null);
    collector.setMode({ kind: 'acceptThenHold' });
    await doomed.evaluate(
      (batchSize) => void window.otb.pageBuffers.get('b').replayBufferedTraces({ batchSize }),
      batchSize,
    );
    // Two batches in flight: the default replayConcurrency.
    const inFlight = 2;
    await expect.poll(() => collector.held).toBe(inFlight);
    await doomed.close({ runBeforeUnload: false });
    collector.setMode({ kind: 'ok' });
    const survivor = await harnessPage(context);
    const left = await survivor.evaluate(
      async ({ name, url }) => {
        window.otb.pageBuffers.open('b', { name, storage: 'indexeddb', autoReplay: false, collectorUrl: url });
        const buffer = window.otb.pageBuffers.get('b');
        // The killed tab's lease, or its replay lock, may take a moment to go.
        for (let i = 0; i < 100 && (await buffer.getBufferStatus()).totalTraces > 0; i++) {
          const result = await buffer.replayBufferedTraces();
          if (result.skipped !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return (await buffer.getBufferStatus()).totalTraces;
      },
      { name, url: collector.url },
    );
    const twice = [...collector.deliveries].filter(([, n]) => n > 1).map(([id]) => id);
    const more = [...collector.deliveries.values()].filter((n) => n > 2);
    figure('in-flight duplicate', { delivered: collector.deliveries.size, deliveredTwice: twice.length });
    expect(left).toBe(0);
    expect(collector.deliveries.size).toBe(50);
    // The documented duplicate: the batches the collector took while their sender died.
    expect(twice).toHaveLength(inFlight * batchSize);
    expect(more).toEqual([]);
  });
});
