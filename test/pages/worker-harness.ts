/**
 * Runs test cases inside a real dedicated worker, where OPFS sync access
 * handles exist. Started by worker-runner.ts as a module worker; answers over
 * comlink with the same outcome shape as the page harness.
 */
import * as Comlink from 'comlink';
import { createTraceBuffer, type BufferEvent, type TraceBuffer, type TraceBufferError } from '../../src/index.js';
import { opfsBackend } from '../../src/backend.js';
import { applicableCases, type BackendFactory } from '../contract/backend-contract.js';
import { bufferScenarios, type ScenarioContext } from '../contract/buffer-scenarios.js';
import { storedTrace, uniqueName } from '../contract/fixtures.js';
import { appendTornFrame, opfsCases } from '../contract/opfs-cases.js';
import { outcome, type CaseOutcome } from './outcome.js';
import { refuseStep, retryStep } from './dead-letter-steps.js';

const opfsFactory: BackendFactory = {
  open: (name) => opfsBackend({ name }),
  shared: true,
  persistent: true,
  corrupt: appendTornFrame,
};

/** A buffer kept open between calls (for cases where another context acts on its storage meanwhile). */
const kept: { buffer?: TraceBuffer; events: BufferEvent[]; errors: string[] } = { events: [], errors: [] };

const workerHarness = {
  /** The dead-letter round on OPFS (test/browser/dead-letters.spec.ts). */
  deadLetterRefuse: refuseStep,
  deadLetterRetry: retryStep,
  /** Opens the kept OPFS buffer `name` and stores `ids` in it. */
  async keepOpen(name: string, ids: string[]): Promise<boolean[]> {
    kept.buffer = createTraceBuffer({
      name,
      storage: 'opfs',
      onEvent: (event) => kept.events.push(event),
      onError: (error) => kept.errors.push(`${error.code}: ${error.message}`),
    });
    return Promise.all(ids.map((id) => kept.buffer!.storeTrace({ inferenceId: id })));
  },
  async keptStore(id: string): Promise<boolean> {
    return kept.buffer!.storeTrace({ inferenceId: id });
  },
  async keptRead(): Promise<{ inferenceIds: string[]; events: BufferEvent[]; errors: string[] }> {
    const traces = await kept.buffer!.getBufferedTraces();
    return {
      inferenceIds: traces.map((t) => t.traceData['inferenceId'] as string),
      events: kept.events,
      errors: kept.errors,
    };
  },

  backendCaseNames(): string[] {
    return applicableCases(opfsFactory).run.map((c) => c.name);
  },
  runBackendCase(caseName: string): Promise<CaseOutcome> {
    const testCase = applicableCases(opfsFactory).run.find((c) => c.name === caseName);
    if (!testCase) return Promise.resolve({ ok: false, error: `no backend case "${caseName}"` });
    return outcome(() => testCase.run(opfsFactory, uniqueName('contract')));
  },
  runScenario(storage: ScenarioContext['storage'], scenarioName: string): Promise<CaseOutcome> {
    const scenario = bufferScenarios.find((s) => s.name === scenarioName);
    if (!scenario) return Promise.resolve({ ok: false, error: `no scenario "${scenarioName}"` });
    return outcome(() => scenario.run({ storage, name: uniqueName('scenario') }));
  },
  runOpfsCase(caseName: string): Promise<CaseOutcome> {
    const testCase = opfsCases.find((c) => c.name === caseName);
    if (!testCase) return Promise.resolve({ ok: false, error: `no OPFS case "${caseName}"` });
    return outcome(() => testCase.run(uniqueName('opfs')));
  },

  /** Hides OPFS in this worker, as WebKitGTK's workers lack it, then reports what 'auto' chose. */
  async autoWithoutOpfs(name: string): Promise<{ backend: string; fallbackReason: string | null; stored: boolean }> {
    delete (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle;
    const buffer = createTraceBuffer({ name });
    const stored = await buffer.storeTrace({ inferenceId: 'fallback-1' });
    const status = await buffer.getBufferStatus();
    await buffer.close();
    return { backend: status.backend, fallbackReason: status.fallbackReason, stored };
  },

  /**
   * Stores `total` traces in waves and reports each one whose store resolved
   * true, so the page can terminate this worker mid-burst and later check that
   * every confirmed trace is there.
   */
  async burst(name: string, total: number, wave: number, onStored?: (ids: string[]) => void): Promise<number> {
    const buffer = createTraceBuffer({ name, storage: 'opfs', maxBufferSize: total });
    const started = performance.now();
    for (let i = 0; i < total; i += wave) {
      const batch = Array.from({ length: Math.min(wave, total - i) }, (_, j) => `${name}-${i + j}`);
      const results = await Promise.all(
        batch.map((inferenceId) => buffer.storeTrace({ inferenceId, input: 'question', output: 'answer' })),
      );
      if (onStored) void onStored(batch.filter((_, j) => results[j]));
    }
    const elapsed = performance.now() - started;
    await buffer.close();
    return elapsed;
  },

  /**
   * For manual measurements (never asserted: the machine is noisy): `steps`
   * backend inserts of `perStep` prebuilt records each, in milliseconds.
   */
  async timeBackendInserts(name: string, steps: number, perStep: number): Promise<number> {
    const backend = opfsBackend({ name });
    const batches = Array.from({ length: steps }, (_, s) =>
      Array.from({ length: perStep }, (_, i) => storedTrace(s * perStep + i)),
    );
    await backend.stats();
    const started = performance.now();
    for (const batch of batches) await backend.insert(batch, steps * perStep);
    const elapsed = performance.now() - started;
    await backend.close();
    return elapsed;
  },

  /**
   * Writes `count` traces under one cap in waves of 20, so the steps of
   * several workers sharing the buffer interleave.
   */
  async writeMany(name: string, prefix: string, count: number, cap: number): Promise<number> {
    const buffer = createTraceBuffer({ name, storage: 'opfs', maxBufferSize: cap });
    let stored = 0;
    for (let i = 0; i < count; i += 20) {
      const wave = Array.from({ length: Math.min(20, count - i) }, (_, j) =>
        buffer.storeTrace({ inferenceId: `${prefix}-${i + j}` }),
      );
      stored += (await Promise.all(wave)).filter(Boolean).length;
    }
    await buffer.close();
    return stored;
  },

  /** Everything a fresh buffer reads back, with the errors it reported. */
  async readBack(name: string): Promise<{ inferenceIds: string[]; errors: string[]; corrupt: number; total: number }> {
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({
      name,
      storage: 'opfs',
      maxBufferSize: 1_000_000,
      onError: (e) => errors.push(e),
    });
    const traces = await buffer.getBufferedTraces();
    const status = await buffer.getBufferStatus();
    await buffer.close();
    return {
      inferenceIds: traces.map((t) => t.traceData['inferenceId'] as string),
      errors: errors.map((e) => `${e.code}: ${e.message}`),
      corrupt: status.corruptRecords,
      total: status.totalTraces,
    };
  },
};

export type WorkerHarness = typeof workerHarness;

Comlink.expose(workerHarness);
