import { pageSuite, type WebKitSuite } from './suite.js';
import { deliveryPolicySuite, multiTabSuite, replaySuite } from './tab-suites.js';
import { webkitChecks } from './webkit-checks.js';
import { workerSuites } from './worker-suites.js';

/**
 * Everything the WebKit run runs, in order. A suite the harness page already
 * exposes is one `pageSuite` declaration (the same cases as a Playwright spec);
 * cases that drive several windows or a server from Node go in a `driverSuite`.
 * Add `needs: ['opfs']` (see Feature) when a suite cannot work without a
 * feature: on an engine without it, every case is listed as skipped with why.
 */
export const webkitSuites: WebKitSuite[] = [
  pageSuite({
    name: 'backend contract: indexeddb',
    needs: ['indexeddb'],
    caseNames: () => window.otb.backendCaseNames('indexeddb'),
    skippedCases: () => window.otb.backendSkippedCases('indexeddb'),
    runCase: (name) => window.otb.runBackendCase('indexeddb', name),
  }),
  pageSuite({
    name: 'backend contract: memory',
    caseNames: () => window.otb.backendCaseNames('memory'),
    skippedCases: () => window.otb.backendSkippedCases('memory'),
    runCase: (name) => window.otb.runBackendCase('memory', name),
  }),
  pageSuite({
    name: 'buffer scenarios: indexeddb',
    needs: ['indexeddb'],
    caseNames: () => window.otb.scenarioNames(),
    runCase: (name) => window.otb.runScenario('indexeddb', name),
  }),
  webkitChecks,
  multiTabSuite,
  replaySuite,
  deliveryPolicySuite,
  ...workerSuites,
];
