import type { HarnessWindow } from './harness-windows.js';

/**
 * What a suite may need from the engine. Probed in the harness page once per
 * run, except `offline-emulation`, which WebDriver classic never has.
 */
export type Feature =
  | 'indexeddb'
  | 'opfs'
  | 'storage-estimate'
  | 'web-locks'
  | 'broadcast-channel'
  | 'worker'
  | 'service-worker'
  | 'offline-emulation';

/** Probed in the page: keep it self-contained (it is sent as source). */
export const probeFeatures = (): Record<Exclude<Feature, 'offline-emulation'>, boolean> => ({
  indexeddb: typeof indexedDB !== 'undefined',
  // WebKitGTK 2.50 has no navigator.storage at all, so every storage.* probe goes through `?.`.
  opfs: typeof (navigator.storage as StorageManager | undefined)?.getDirectory === 'function',
  'storage-estimate': typeof (navigator.storage as StorageManager | undefined)?.estimate === 'function',
  'web-locks': typeof (navigator.locks as LockManager | undefined)?.request === 'function',
  'broadcast-channel': typeof BroadcastChannel === 'function',
  worker: typeof Worker === 'function',
  'service-worker': 'serviceWorker' in navigator,
});

export type Features = Record<Feature, boolean>;

/** Why a missing feature is missing, as the skip reason says it. */
export const missingFeatureReasons: Record<Feature, string> = {
  indexeddb: 'no IndexedDB',
  opfs: 'no OPFS (navigator.storage.getDirectory)',
  'storage-estimate': 'no navigator.storage.estimate()',
  'web-locks': 'no Web Locks (navigator.locks)',
  'broadcast-channel': 'no BroadcastChannel',
  worker: 'no Worker',
  'service-worker': 'no service workers',
  'offline-emulation':
    'no offline emulation over WebDriver classic: simulate outages on the server and dispatch `online` in the page',
};

/** What every case gets. */
export interface SuiteContext {
  /** The harness window all suites share; each case uses its own storage names. */
  page: HarnessWindow;
  /** Another window of the same session (same origin: shared storage, locks, channels); closed after the case. */
  openWindow: (path?: string) => Promise<HarnessWindow>;
  /** The harness origin, e.g. `http://127.0.0.1:4179`, for servers that must allow it (CORS). */
  origin: string;
  features: Features;
}

export interface SkippedCase {
  name: string;
  why: string;
}

/** A suite as the runner sees it. Build one with `pageSuite` or `driverSuite` rather than by hand. */
export interface WebKitSuite {
  name: string;
  /** The suite's page; the main window is moved there before its cases. Default '/'. */
  path?: string;
  /** Without one of these, every case is reported skipped with the reason. */
  needs?: readonly Feature[];
  caseNames(ctx: SuiteContext): Promise<string[]>;
  /** Cases that do not apply here, reported as skipped with why. */
  skippedCases?(ctx: SuiteContext): Promise<SkippedCase[]>;
  /** Resolves if the case passed; rejects with the reason it failed. */
  runCase(ctx: SuiteContext, caseName: string): Promise<void>;
}

/** What the harness page's `run*` functions resolve with. */
export interface CaseOutcome {
  ok: boolean;
  error?: string;
}

/**
 * A suite that lives in the page, like the Playwright specs drive it. The three
 * functions run in the page (sent as source: use `window.otb` and the
 * arguments only, as in `page.evaluate`).
 */
export function pageSuite(definition: {
  name: string;
  path?: string;
  needs?: readonly Feature[];
  caseNames: () => string[] | Promise<string[]>;
  runCase: (caseName: string) => CaseOutcome | Promise<CaseOutcome>;
  skippedCases?: () => SkippedCase[] | Promise<SkippedCase[]>;
}): WebKitSuite {
  const { caseNames, runCase, skippedCases } = definition;
  return {
    name: definition.name,
    ...(definition.path !== undefined && { path: definition.path }),
    ...(definition.needs !== undefined && { needs: definition.needs }),
    caseNames: ({ page }) => page.evaluate(caseNames),
    ...(skippedCases && { skippedCases: ({ page }: SuiteContext) => page.evaluate(skippedCases) }),
    async runCase({ page }, caseName) {
      const outcome = await page.evaluate(runCase, caseName);
      if (!outcome.ok) throw new Error(outcome.error ?? 'the case failed without saying why');
    },
  };
}

export interface DriverCase {
  name: string;
  /** Runs in Node and drives the page through `ctx`; rejects if the case failed. */
  run(ctx: SuiteContext): Promise<void>;
  /** Without one of these, the case is reported skipped with the reason. */
  needs?: readonly Feature[];
}

/**
 * A suite whose cases are written here, in Node, because they drive more than
 * one page function: several windows, a server the runner starts, a reload.
 */
export function driverSuite(definition: { name: string; path?: string; cases: DriverCase[] }): WebKitSuite {
  const missing = (testCase: DriverCase, features: Features) =>
    (testCase.needs ?? []).filter((feature) => !features[feature]);
  return {
    name: definition.name,
    ...(definition.path !== undefined && { path: definition.path }),
    caseNames: ({ features }) =>
      Promise.resolve(definition.cases.filter((c) => missing(c, features).length === 0).map((c) => c.name)),
    skippedCases: ({ features }) =>
      Promise.resolve(
        definition.cases
          .filter((c) => missing(c, features).length > 0)
          .map((c) => ({
            name: c.name,
            why: missing(c, features)
              .map((f) => missingFeatureReasons[f])
              .join('; '),
          })),
      ),
    async runCase(ctx, caseName) {
      const testCase = definition.cases.find((c) => c.name === caseName);
      if (!testCase) throw new Error(`no case "${caseName}" in ${definition.name}`);
      await testCase.run(ctx);
    },
  };
}
