// Runs the shared suites in Node: memory, and IndexedDB on fake-indexeddb.
// fake-indexeddb is only a fast first check; the real proof is the browser run.
import 'fake-indexeddb/auto';
import { describe, it } from 'vitest';
import { databaseNameFor, indexedDbBackend, memoryBackend } from '../../src/backend.js';
import { applicableCases, type BackendFactory } from '../contract/backend-contract.js';
import { bufferScenarios } from '../contract/buffer-scenarios.js';
import { uniqueName } from '../contract/fixtures.js';
import { putUnreadableIndexedDbRecord } from '../contract/unreadable-records.js';

const factories: Record<string, BackendFactory> = {
  memory: { open: () => memoryBackend(), shared: false, persistent: false },
  'indexeddb (fake-indexeddb)': {
    open: (name) => indexedDbBackend({ name }),
    shared: true,
    persistent: true,
    corrupt: (name) => putUnreadableIndexedDbRecord(databaseNameFor(name)),
  },
};

for (const [label, factory] of Object.entries(factories)) {
  describe(`backend contract: ${label}`, () => {
    const { run, skipped } = applicableCases(factory);
    for (const testCase of run) it(testCase.name, () => testCase.run(factory, uniqueName('contract')));
    for (const { name, why } of skipped) it.skip(`${name} (not applicable: ${why})`, () => undefined);
  });
}

for (const storage of ['memory', 'indexeddb'] as const) {
  describe(`buffer scenarios: ${storage}`, () => {
    for (const scenario of bufferScenarios) {
      it(scenario.name, () => scenario.run({ storage, name: uniqueName('scenario') }));
    }
  });
}
