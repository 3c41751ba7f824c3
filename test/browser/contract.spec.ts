import { applicableCases } from '../contract/backend-contract.js';
import { bufferScenarios } from '../contract/buffer-scenarios.js';
import { expect, test } from '../support/harness.js';

// The same cases as the Node run, here on the browser's real IndexedDB.
const indexedDb = {
  open: () => Promise.reject(new Error('runs in the page')),
  shared: true,
  persistent: true,
  corrupt: () => Promise.reject(new Error('runs in the page')),
};

test.describe('backend contract: indexeddb', () => {
  for (const testCase of applicableCases(indexedDb).run) {
    test(testCase.name, async ({ harness }) => {
      const result = await harness.evaluate((name) => window.otb.runBackendCase('indexeddb', name), testCase.name);
      expect(result.error ?? '').toBe('');
    });
  }
});

test.describe('buffer scenarios: indexeddb', () => {
  for (const scenario of bufferScenarios) {
    test(scenario.name, async ({ harness }) => {
      const result = await harness.evaluate((name) => window.otb.runScenario('indexeddb', name), scenario.name);
      expect(result.error ?? '').toBe('');
    });
  }
});
