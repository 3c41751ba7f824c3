// The README's durable edge backend (examples/ordered-kv-backend.ts) passes
// the backend contract suite, on a store that behaves like a Durable Object's
// storage: values structured-cloned in and out, keys listed in order.
import { describe, expect, it } from 'vitest';
import { applicableCases, backendContract, type BackendFactory } from '../../src/backend.js';
import { createTraceBuffer } from '../../src/index.js';
import { orderedKvBackend, type OrderedKv } from '../../examples/ordered-kv-backend.js';
import { uniqueName } from '../contract/fixtures.js';

/** An in-memory stand-in for `DurableObjectStorage`. */
function durableObjectStorage(): OrderedKv {
  const data = new Map<string, unknown>();
  return {
    get: <T>(key: string) => Promise.resolve(structuredClone(data.get(key)) as T | undefined),
    put(entries) {
      for (const [key, value] of Object.entries(entries)) data.set(key, structuredClone(value));
      return Promise.resolve();
    },
    delete: (keys) => Promise.resolve(keys.filter((key) => data.delete(key)).length),
    list<T>({ prefix, start, limit }: { prefix: string; start?: string; limit?: number }) {
      const keys = [...data.keys()].filter((key) => key.startsWith(prefix) && (start === undefined || key >= start));
      const page = keys.sort().slice(0, limit ?? Infinity);
      return Promise.resolve(new Map(page.map((key) => [key, structuredClone(data.get(key)) as T])));
    },
  };
}

// One storage per name, kept across open(): what a Durable Object's storage is.
const stores = new Map<string, OrderedKv>();
const factory: BackendFactory = {
  open: (name) => orderedKvBackend(stores.get(name) ?? stores.set(name, durableObjectStorage()).get(name)!),
  shared: false,
  persistent: true,
};

describe('backend contract: the README example over Durable Object storage', () => {
  const { run, skipped } = applicableCases(factory);
  it('runs every case but those needing a shared or damaged store', () => {
    expect(run.length + skipped.length).toBe(backendContract.length);
    expect(skipped.map((s) => s.why).every((why) => /one store per instance|unreadable record/.test(why))).toBe(true);
  });
  for (const testCase of run) it(testCase.name, () => testCase.run(factory, uniqueName('kv')));
  for (const { name, why } of skipped) it.skip(`${name} (not applicable: ${why})`, () => undefined);
});

describe('a buffer on it', () => {
  it('stores, replays and is empty after, and the status names the backend as persistent', async () => {
    const sent: unknown[] = [];
    const buffer = createTraceBuffer({
      storage: orderedKvBackend(durableObjectStorage()),
      autoReplay: false,
      send: (traces) => (sent.push(...traces.map((t) => t.traceData['inferenceId'])), Promise.resolve()),
    });
    await buffer.storeTrace({ inferenceId: 'do-1' });
    await buffer.storeTrace({ inferenceId: 'do-2' });
    const status = await buffer.getBufferStatus();
    expect([status.backend, status.persistent, status.totalTraces]).toEqual(['durable-object', true, 2]);
    expect((await buffer.replayBufferedTraces()).successCount).toBe(2);
    expect([sent, (await buffer.getBufferStatus()).totalTraces]).toEqual([['do-1', 'do-2'], 0]);
    await buffer.close();
  });
});
