import { applicableCases } from '../contract/backend-contract.js';
import { bufferScenarios } from '../contract/buffer-scenarios.js';
import { opfsCases } from '../contract/opfs-cases.js';
import { expect, test } from '../support/harness.js';

// Every case here runs inside a real dedicated worker started by the page:
// OPFS sync access handles exist nowhere else.
const opfs = {
  open: () => Promise.reject(new Error('runs in the worker')),
  shared: true,
  persistent: true,
  corrupt: () => Promise.reject(new Error('runs in the worker')),
};

test.describe('backend contract: opfs (in a dedicated worker)', () => {
  for (const testCase of applicableCases(opfs).run) {
    test(testCase.name, async ({ harness }) => {
      const result = await harness.evaluate((name) => window.otb.workers.shared().runBackendCase(name), testCase.name);
      expect(result.error ?? '').toBe('');
    });
  }
});

test.describe('buffer scenarios: opfs (in a dedicated worker)', () => {
  for (const scenario of bufferScenarios) {
    test(scenario.name, async ({ harness }) => {
      const result = await harness.evaluate(
        (name) => window.otb.workers.shared().runScenario('opfs', name),
        scenario.name,
      );
      expect(result.error ?? '').toBe('');
    });
  }
});

test.describe('opfs log: crash safety, exclusive handles, compaction', () => {
  for (const testCase of opfsCases) {
    test(testCase.name, async ({ harness }) => {
      const result = await harness.evaluate((name) => window.otb.workers.shared().runOpfsCase(name), testCase.name);
      expect(result.error ?? '').toBe('');
    });
  }
});

test.describe('opfs across workers', () => {
  test('deleteTraceBuffer from the page removes the folder a worker has open; the worker hears cleared and goes on', async ({
    harness,
  }) => {
    const name = `delete-opfs-${Date.now()}`;
    const result = await harness.evaluate(async (n) => {
      const { workers, library } = window.otb;
      const worker = workers.remote(workers.start());
      const stored = await worker.keepOpen(n, ['a', 'b']);
      const deleted = await library.deleteTraceBuffer(n);
      for (let i = 0; i < 100; i++) {
        const { events } = await worker.keptRead();
        if (events.some((e) => e.type === 'cleared')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const afterDelete = await worker.keptRead();
      const storedAfter = await worker.keptStore('after');
      const final = await worker.keptRead();
      const fresh = await workers.remote(workers.start()).readBack(n);
      return { stored, deleted, afterDelete, storedAfter, final, fresh };
    }, name);
    expect(result.stored).toEqual([true, true]);
    expect(result.deleted.removed).toEqual([{ kind: 'opfs', store: `offline-trace-buffer/${name}` }]);
    expect(result.afterDelete.events).toContainEqual({ type: 'cleared', count: null, deleted: true, remote: true });
    expect(result.afterDelete.inferenceIds).toEqual([]);
    expect(result.storedAfter).toBe(true);
    expect(result.final.inferenceIds).toEqual(['after']);
    expect(result.final.errors).toEqual([]);
    expect(result.fresh.inferenceIds).toEqual(['after']);
  });

  test('a worker terminated mid-write loses no confirmed trace and leaves a log that reads cleanly', async ({
    harness,
  }) => {
    const name = `terminated-${Date.now()}`;
    const { confirmed, finished } = await harness.evaluate(
      (n) => window.otb.workers.burstThenTerminate(n, 20_000, 300),
      name,
    );
    expect(finished, 'the worker was still writing when it was terminated').toBe(false);
    expect(confirmed.length).toBeGreaterThanOrEqual(300);
    const read = await harness.evaluate(async (n) => {
      const reader = window.otb.workers.start();
      return window.otb.workers.remote(reader).readBack(n);
    }, name);
    // Every store that resolved true is there; the read itself reported no failure
    // other than, at most, one torn tail set aside.
    const present = new Set(read.inferenceIds);
    expect(confirmed.filter((id) => !present.has(id))).toEqual([]);
    expect(read.errors.filter((e) => !e.startsWith('CORRUPT_RECORD'))).toEqual([]);
    expect(read.corrupt).toBeLessThanOrEqual(1);
    expect(new Set(read.inferenceIds).size).toBe(read.inferenceIds.length);
  });

  test('two workers writing one OPFS buffer keep one cap and see each other', async ({ harness }) => {
    const name = `two-workers-${Date.now()}`;
    const result = await harness.evaluate(async (n) => {
      const { workers } = window.otb;
      const [a, b] = [workers.remote(workers.start()), workers.remote(workers.start())];
      const stored = await Promise.all([a.writeMany(n, 'a', 400, 300), b.writeMany(n, 'b', 400, 300)]);
      return { stored, fromA: await a.readBack(n), fromB: await b.readBack(n) };
    }, name);
    expect(result.stored).toEqual([400, 400]);
    expect(result.fromA.total).toBe(300);
    expect(result.fromA.inferenceIds.length).toBe(300);
    expect(result.fromB.inferenceIds).toEqual(result.fromA.inferenceIds);
    expect(result.fromA.errors).toEqual([]);
    expect(new Set(result.fromA.inferenceIds).size).toBe(300);
  });

  test('without unrelated writers, two workers keep every trace', async ({ harness }) => {
    const name = `two-workers-all-${Date.now()}`;
    const read = await harness.evaluate(async (n) => {
      const { workers } = window.otb;
      const [a, b] = [workers.remote(workers.start()), workers.remote(workers.start())];
      await Promise.all([a.writeMany(n, 'a', 500, 5000), b.writeMany(n, 'b', 500, 5000)]);
      return a.readBack(n);
    }, name);
    expect(read.total).toBe(1000);
    expect(new Set(read.inferenceIds).size).toBe(1000);
    expect(read.inferenceIds.filter((id) => id.startsWith('a-')).length).toBe(500);
    expect(read.errors).toEqual([]);
  });
});

test.describe("storage choice: 'auto' and 'opfs'", () => {
  test("'auto' in a worker without OPFS (as in WebKitGTK) falls back to IndexedDB and says why", async ({
    harness,
  }) => {
    const result = await harness.evaluate(async () => {
      const { workers } = window.otb;
      // A worker of its own: the case hides OPFS in its global scope.
      return workers.remote(workers.start()).autoWithoutOpfs(`fallback-${Date.now()}`);
    });
    expect(result.stored).toBe(true);
    expect(result.backend).toBe('indexeddb');
    expect(result.fallbackReason).toContain('OPFS');
  });

  test("'auto' on a window picks IndexedDB, and 'opfs' there is refused with STORAGE_UNAVAILABLE", async ({
    harness,
  }) => {
    const result = await harness.evaluate(async () => {
      const { createTraceBuffer } = window.otb.library;
      const auto = createTraceBuffer({ name: `window-auto-${Date.now()}` });
      await auto.storeTrace({ inferenceId: 'w1' });
      const autoStatus = await auto.getBufferStatus();
      await auto.close();
      const codes: string[] = [];
      const opfs = createTraceBuffer({
        name: `window-opfs-${Date.now()}`,
        storage: 'opfs',
        onError: (error) => codes.push(error.code),
      });
      const stored = await opfs.storeTrace({ inferenceId: 'w2' });
      await opfs.close();
      return { backend: autoStatus.backend, fallbackReason: autoStatus.fallbackReason, stored, codes };
    });
    expect(result.backend).toBe('indexeddb');
    expect(result.fallbackReason).toBeNull();
    expect(result.stored).toBe(false);
    expect(result.codes).toContain('STORAGE_UNAVAILABLE');
  });
});
