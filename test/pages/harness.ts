/**
 * The page every browser test drives (Playwright, and WebDriver for WebKit).
 * It exposes the shared suites on `window.otb`; a runner calls one case at a
 * time by name and gets back the error message, if any.
 */
import * as backendKit from '../../src/backend.js';
import { classifyFailure } from '../../src/core/delivery.js';
import * as publicEntry from '../../src/index.js';
import { applicableCases, type BackendFactory } from '../contract/backend-contract.js';
import { bufferScenarios, type ScenarioContext } from '../contract/buffer-scenarios.js';
import { uniqueName } from '../contract/fixtures.js';
import { putUnreadableIndexedDbRecord } from '../contract/unreadable-records.js';
import { outcome, type CaseOutcome } from './outcome.js';
import { pageBuffers } from './page-buffers.js';

export type { CaseOutcome };
import { bridgeCases } from './bridge-cases.js';
import { refuseStep, retryStep } from './dead-letter-steps.js';
import { workerRunner } from './worker-runner.js';

/** What cases reach as `otb.library`: both public entries, and the failure classifier some cases check. */
const library = { ...publicEntry, ...backendKit, classifyFailure };

const backendFactories: Record<string, BackendFactory> = {
  indexeddb: {
    open: (name) => library.indexedDbBackend({ name }),
    shared: true,
    persistent: true,
    corrupt: (name) => putUnreadableIndexedDbRecord(library.databaseNameFor(name)),
  },
  memory: { open: () => library.memoryBackend(), shared: false, persistent: false },
};

const harness = {
  library,
  pageBuffers,
  ready: true,
  backendCaseNames(kind: string): string[] {
    return applicableCases(backendFactories[kind]!).run.map((c) => c.name);
  },
  /** The contract cases this backend does not run, and why (a runner reports them as skipped). */
  backendSkippedCases(kind: string): { name: string; why: string }[] {
    return applicableCases(backendFactories[kind]!).skipped;
  },
  runBackendCase(kind: string, caseName: string): Promise<CaseOutcome> {
    const factory = backendFactories[kind];
    const testCase = factory && applicableCases(factory).run.find((c) => c.name === caseName);
    if (!factory || !testCase) return Promise.resolve({ ok: false, error: `no case "${caseName}" for ${kind}` });
    return outcome(() => testCase.run(factory, uniqueName('contract')));
  },
  scenarioNames(): string[] {
    return bufferScenarios.map((s) => s.name);
  },
  runScenario(storage: ScenarioContext['storage'], scenarioName: string): Promise<CaseOutcome> {
    const scenario = bufferScenarios.find((s) => s.name === scenarioName);
    if (!scenario) return Promise.resolve({ ok: false, error: `no scenario "${scenarioName}"` });
    return outcome(() => scenario.run({ storage, name: uniqueName('scenario') }));
  },
  /** The dead-letter round on IndexedDB (test/browser/dead-letters.spec.ts). */
  deadLetters: { refuseStep, retryStep },
  /** Cases that run in dedicated workers (OPFS) and across the worker bridge. */
  workers: workerRunner,
  bridgeCaseNames(): string[] {
    return bridgeCases.map((c) => c.name);
  },
  runBridgeCase(caseName: string): Promise<CaseOutcome> {
    const testCase = bridgeCases.find((c) => c.name === caseName);
    if (!testCase) return Promise.resolve({ ok: false, error: `no bridge case "${caseName}"` });
    return outcome(() => testCase.run());
  },
};

declare global {
  interface Window {
    otb: typeof harness;
  }
}

window.otb = harness;
