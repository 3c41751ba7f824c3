import assert from 'node:assert/strict';
import { uniqueName } from '../contract/fixtures.js';
import { driverSuite } from './suite.js';

const CAP = 50;
const STORES_PER_WINDOW = 200;
// Stores go out in rounds so each window commits many transactions that interleave with the other's.
const STORES_PER_ROUND = 20;

/** Checks about what this WebKit is, beyond the suites every engine runs. */
export const webkitChecks = driverSuite({
  name: 'webkit',
  cases: [
    {
      name: "storage 'auto' picks IndexedDB on a window that has no navigator.storage",
      needs: ['indexeddb'],
      async run({ page }) {
        const seen = await page.evaluate(async (name) => {
          // The point of the check: the library must not need navigator.storage to choose IndexedDB.
          if ('storage' in navigator)
            throw new Error('this WebKit has navigator.storage: the check no longer covers its absence');
          const { createTraceBuffer, databaseNameFor } = window.otb.library;
          const errors: string[] = [];
          const buffer = createTraceBuffer({ name, storage: 'auto', onError: (e) => errors.push(e.code) });
          const stored = await buffer.storeTrace({ inferenceId: 'webkit-1' });
          const status = await buffer.getBufferStatus();
          await buffer.close();
          // A second buffer on the name reads the trace back: the storage really is shared and durable.
          const reopened = createTraceBuffer({ name, storage: 'auto' });
          const reread = (await reopened.getBufferedTraces()).map((t) => t.traceData['inferenceId']);
          await reopened.close();
          indexedDB.deleteDatabase(databaseNameFor(name));
          const { backend, fallbackReason, persistent } = status;
          return { stored, backend, fallbackReason, persistent, reread, errors };
        }, uniqueName('webkit-auto'));
        assert.deepEqual(seen, {
          stored: true,
          backend: 'indexeddb',
          fallbackReason: null,
          persistent: true,
          reread: ['webkit-1'],
          errors: [],
        });
      },
    },
    {
      name: 'status.storage says navigator.storage is missing, and persist: true does not throw',
      needs: ['indexeddb'],
      async run({ page }) {
        const seen = await page.evaluate(async (name) => {
          const { createTraceBuffer, databaseNameFor } = window.otb.library;
          const errors: string[] = [];
          const buffer = createTraceBuffer({ name, persist: true, onError: (e) => errors.push(e.code) });
          const stored = await buffer.storeTrace({ inferenceId: 'webkit-storage' });
          const { storage } = await buffer.getBufferStatus();
          await buffer.close();
          indexedDB.deleteDatabase(databaseNameFor(name));
          return { stored, storage, errors };
        }, uniqueName('webkit-storage'));
        assert.deepEqual(seen, {
          stored: true,
          storage: {
            supported: false,
            usage: null,
            quota: null,
            persisted: null,
            persistRequest: 'unsupported',
            reason: 'navigator.storage is not available in this context',
          },
          errors: [],
        });
      },
    },
    {
      name: `two windows storing ${STORES_PER_WINDOW} traces each into one buffer name keep its cap of ${CAP} exactly`,
      needs: ['indexeddb', 'broadcast-channel'],
      async run({ page, openWindow }) {
        const name = uniqueName('webkit-windows');
        const other = await openWindow();
        // Each window waits for a signal on a BroadcastChannel, so both start storing at once
        // rather than one after the other as the WebDriver commands arrive.
        const storeAll = async (bufferName: string, tag: string, cap: number, count: number, round: number) => {
          await new Promise<void>((resolve) => {
            const channel = new BroadcastChannel(`${bufferName}:go`);
            channel.onmessage = () => {
              channel.close();
              resolve();
            };
          });
          const buffer = window.otb.library.createTraceBuffer({ name: bufferName, maxBufferSize: cap });
          let stored = 0;
          for (let first = 0; first < count; first += round) {
            const results = await Promise.all(
              Array.from({ length: Math.min(round, count - first) }, (_, i) =>
                buffer.storeTrace({ inferenceId: `${tag}-${first + i}` }),
              ),
            );
            stored += results.filter(Boolean).length;
          }
          const { dropped } = await buffer.getBufferStatus();
          await buffer.close();
          return { stored, evicted: dropped.evicted, otherDrops: dropped.quota + dropped.storage + dropped.closed };
        };
        const inMain = await page.start(storeAll, name, 'main', CAP, STORES_PER_WINDOW, STORES_PER_ROUND);
        const inOther = await other.start(storeAll, name, 'other', CAP, STORES_PER_WINDOW, STORES_PER_ROUND);
        await page.evaluate((bufferName) => {
          const channel = new BroadcastChannel(`${bufferName}:go`);
          channel.postMessage('go');
          channel.close();
        }, name);
        const [main, second] = [await inMain.result(), await inOther.result()];

        const left = await page.evaluate(async (bufferName) => {
          const { createTraceBuffer, databaseNameFor } = window.otb.library;
          const buffer = createTraceBuffer({ name: bufferName });
          const traces = await buffer.getBufferedTraces();
          const { totalTraces } = await buffer.getBufferStatus();
          await buffer.close();
          indexedDB.deleteDatabase(databaseNameFor(bufferName));
          return { count: traces.length, totalTraces };
        }, name);

        assert.equal(main.stored + second.stored, 2 * STORES_PER_WINDOW, 'every store committed');
        assert.equal(main.otherDrops + second.otherDrops, 0, 'nothing dropped for another reason');
        assert.equal(left.count, CAP, 'exactly the cap remains');
        assert.equal(left.totalTraces, CAP, 'the running count agrees');
        assert.equal(main.evicted + second.evicted, 2 * STORES_PER_WINDOW - CAP, 'every excess trace evicted once');
      },
    },
  ],
});
