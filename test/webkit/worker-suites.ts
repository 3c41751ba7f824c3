import { equal, ok } from '../contract/check.js';
import { driverSuite, pageSuite } from './suite.js';

/**
 * Workers on WebKit. WebKitGTK has dedicated workers but no OPFS, so these
 * prove the fallback: 'auto' in a worker lands on IndexedDB, and the bridge
 * works over it. The OPFS suites are listed as skipped, with why.
 */
export const workerSuites = [
  driverSuite({
    name: 'worker fallback',
    cases: [
      {
        name: "'auto' in a dedicated worker without OPFS stores on IndexedDB and says why",
        needs: ['worker', 'indexeddb'],
        async run({ page }) {
          const result = await page.evaluate(async (name: string) => {
            const { workers } = window.otb;
            const hasOpfs = await workers.remote(workers.start()).autoWithoutOpfs(name);
            return hasOpfs;
          }, `webkit-fallback-${Date.now()}`);
          ok(result.stored, 'the trace was stored in the worker');
          equal(result.backend, 'indexeddb', 'the backend chosen');
          ok(/OPFS/.test(result.fallbackReason ?? ''), `the status says why (${String(result.fallbackReason)})`);
        },
      },
    ],
  }),
  pageSuite({
    name: 'worker bridge (the buffer in a dedicated worker)',
    needs: ['worker', 'indexeddb'],
    caseNames: () => window.otb.bridgeCaseNames(),
    runCase: (name) => window.otb.runBridgeCase(name),
  }),
  pageSuite({
    name: 'backend contract: opfs (in a dedicated worker)',
    needs: ['opfs'],
    caseNames: () => window.otb.backendCaseNames('indexeddb'),
    runCase: () => ({ ok: false, error: 'OPFS cases run only where OPFS exists' }),
  }),
];
