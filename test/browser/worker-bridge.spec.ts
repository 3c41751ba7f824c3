import { bridgeCases } from '../pages/bridge-cases.js';
import { expect, test } from '../support/harness.js';

// The page drives a buffer that lives in a real dedicated worker (bridge-worker.ts).
test.describe('worker bridge (comlink)', () => {
  for (const testCase of bridgeCases) {
    test(testCase.name, async ({ harness }) => {
      const result = await harness.evaluate((name) => window.otb.runBridgeCase(name), testCase.name);
      expect(result.error ?? '').toBe('');
    });
  }
});
