import { multiTabCases, type MultiTabCase, type Tab } from '../contract/multi-tab-cases.js';
import { deliveryPolicyCases } from '../contract/delivery-policy-cases.js';
import { replayCases } from '../contract/replay-cases.js';
import { startCollector } from '../support/collector.js';
import type { HarnessWindow } from './harness-windows.js';
import { driverSuite } from './suite.js';

/** A WebDriver window as a tab of the shared cases. */
function tabOf(window: HarnessWindow): Tab {
  return {
    // `start` then `result`: WebDriver runs one command at a time, and work in
    // several windows must overlap as it does in real tabs.
    run: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>> =>
      window.start(fn, arg).then((handle) => handle.result() as unknown as Awaited<R>),
    // WebDriver classic cannot kill a tab; navigating away ends the page just
    // as abruptly (its locks are released, its in-flight fetch abandoned).
    kill: () => window.goto('/'),
  };
}

/** Cases of the Playwright run that drive tabs and a collector, on windows of one WebKit session. */
function tabSuite(name: string, cases: MultiTabCase[]) {
  return driverSuite({
    name,
    cases: cases.map((testCase) => ({
      name: testCase.name,
      needs: testCase.name.startsWith('without Web Locks')
        ? (['indexeddb', 'broadcast-channel'] as const)
        : (['indexeddb', 'web-locks', 'broadcast-channel'] as const),
      async run(ctx) {
        const collector = await startCollector();
        try {
          const windows = [ctx.page];
          while (windows.length < testCase.tabs) windows.push(await ctx.openWindow());
          await testCase.run(windows.map(tabOf), collector);
        } finally {
          await collector.close();
          // Cases may change page globals (the no-Web-Locks case removes them):
          // give the next case a fresh page.
          await ctx.page.goto('/');
        }
      },
    })),
  });
}

export const multiTabSuite = tabSuite('multi-tab (several windows of one session)', multiTabCases);
export const replaySuite = tabSuite('replay against a collector (outages on the server)', replayCases);
export const deliveryPolicySuite = tabSuite(
  'delivery pauses on answers that say nothing about the traces',
  deliveryPolicyCases,
);
