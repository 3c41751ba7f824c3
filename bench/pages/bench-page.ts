/**
 * The page `npm run bench` drives. Each approach is prepared untimed (fresh
 * database opened, traces generated), then timed from the first store issued
 * to the last one committed. The driver (bench/run.mjs) picks the order,
 * repeats, and does the statistics; this page only measures one run at a time.
 */
import { createStore, get, keys, set, type UseStore } from 'idb-keyval';
import { createTraceBuffer, type BufferedTrace, type TraceBuffer, type TraceBufferOptions } from '../../src/index.js';
import { databaseNameFor } from '../../src/backend.js';
import { makeLlmTrace20k } from './llm-trace-fixture.js';
import { watchMainThread, type MainThreadReport } from './main-thread-monitor.js';
import {
  countRaw,
  deleteDatabase,
  drainRaw,
  openRaw,
  putAllInOneTransaction,
  putInOwnTransaction,
  putInOwnTransactionWithTotals,
  RawFullStore,
} from './raw-indexeddb.js';
import {
  baselineRecord,
  makeTraces,
  PIPELINE_ID,
  TRACE_CONFIG,
  uniqueName,
  yieldToEventLoop,
  type BenchTrace,
} from './trace-fixtures.js';
import type { ProbeResult, StoreMode, TimedRun, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** One run, set up and ready: `start` issues every store before it returns. */
interface PreparedRun {
  start(): Promise<unknown>;
  /** Traces found stored afterwards (checked by the driver). */
  stored(): Promise<number>;
  cleanup(): Promise<void>;
}

type Prepare = (n: number, salt: string) => Promise<PreparedRun>;

let collectorUrl = '';

function storeAll<T>(items: readonly T[], mode: StoreMode, store: (item: T) => Promise<unknown>): Promise<unknown> {
  if (mode === 'burst') return Promise.all(items.map(store));
  return (async () => {
    for (const item of items) await store(item);
  })();
}

function rawOneTransaction(schema: 'bare' | 'indexed'): Prepare {
  return async (n, salt) => {
    const traces = makeTraces(n, salt);
    const name = uniqueName(`one-tx-${schema}`);
    const db = await openRaw(name, schema);
    return {
      start: () => putAllInOneTransaction(db, traces),
      stored: () => countRaw(db),
      cleanup: async () => {
        db.close();
        await deleteDatabase(name);
      },
    };
  };
}

function rawTransactionPerTraceWithTotals(): Prepare {
  return async (n, salt) => {
    const traces = makeTraces(n, salt);
    const name = uniqueName('tx-per-trace-totals');
    const db = await openRaw(name, 'library');
    return {
      start: () => storeAll(traces, 'seq', (trace) => putInOwnTransactionWithTotals(db, trace)),
      stored: () => countRaw(db),
      cleanup: async () => {
        db.close();
        await deleteDatabase(name);
      },
    };
  };
}

function rawTransactionPerTrace(mode: StoreMode): Prepare {
  return async (n, salt) => {
    const traces = makeTraces(n, salt);
    const name = uniqueName('tx-per-trace');
    const db = await openRaw(name, 'bare');
    return {
      start: () => storeAll(traces, mode, (trace) => putInOwnTransaction(db, trace)),
      stored: () => countRaw(db),
      cleanup: async () => {
        db.close();
        await deleteDatabase(name);
      },
    };
  };
}

function idbKeyval(mode: StoreMode): Prepare {
  return async (n, salt) => {
    const traces = makeTraces(n, salt);
    const name = uniqueName('keyval');
    const store: UseStore = createStore(name, 'keyval');
    await get('warm-up', store); // opens the database before timing, as for every approach
    return {
      start: () =>
        storeAll(traces, mode, (trace) => {
          const record = baselineRecord(trace);
          return set(record.id, record, store);
        }),
      stored: async () => (await keys(store)).length,
      cleanup: async () => {
        await store('readonly', (objectStore) => objectStore.transaction.db.close());
        await deleteDatabase(name);
      },
    };
  };
}

function openLibrary(
  name: string,
  maxBufferSize: number,
  compression?: TraceBufferOptions['compression'],
): TraceBuffer {
  return createTraceBuffer({
    name,
    ...(compression !== undefined && { compression }),
    storage: 'indexeddb',
    maxBufferSize,
    replayBatchSize: DRAIN_BATCH,
    send: postToCollector,
    // The bench replays by hand to time the drain; automatic replay (on by
    // default with a send) would deliver traces in the middle of other runs.
    autoReplay: false,
    onError: (error) => console.error(`[bench] library error ${error.code}: ${error.message}`),
  });
}

async function closeLibrary(buffer: TraceBuffer, name: string): Promise<void> {
  await buffer.close();
  await deleteDatabase(databaseNameFor(name));
}

function storeWith(buffer: TraceBuffer): (trace: BenchTrace) => Promise<boolean> {
  return (trace) => buffer.storeTrace(trace, TRACE_CONFIG, PIPELINE_ID);
}

/** The 20 KB LLM traces of llm-trace-fixture.ts, for the compression rows. */
function makeLlmTraces(count: number, salt: string, from = 0): BenchTrace[] {
  return Array.from({ length: count }, (_, i) => makeLlmTrace20k(from + i, salt));
}

function libraryIndexedDb(
  mode: StoreMode,
  make: typeof makeTraces = makeTraces,
  compression?: TraceBufferOptions['compression'],
): Prepare {
  return async (n, salt) => {
    const traces = make(n, salt);
    const name = uniqueName('lib-idb');
    const buffer = openLibrary(name, n, compression);
    await buffer.getBufferStatus(); // opens the database before timing
    return {
      start: () => storeAll(traces, mode, storeWith(buffer)),
      stored: async () => (await buffer.getBufferStatus()).totalTraces,
      cleanup: () => closeLibrary(buffer, name),
    };
  };
}

/** The library's own cost per store, with no storage under it: what its code adds to any backend. */
function libraryMemory(mode: StoreMode): Prepare {
  return (n, salt) => {
    const traces = makeTraces(n, salt);
    const buffer = createTraceBuffer({ storage: 'memory', maxBufferSize: n, autoReplay: false });
    return Promise.resolve({
      start: () => storeAll(traces, mode, storeWith(buffer)),
      stored: async () => (await buffer.getBufferStatus()).totalTraces,
      cleanup: () => buffer.close(),
    });
  };
}

const DRAIN_BATCH = 100;

async function postToCollector(traces: BufferedTrace[]): Promise<void> {
  const response = await fetch(collectorUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: traces.map((trace) => trace.traceData), config: TRACE_CONFIG }),
  });
  if (!response.ok) throw new Error(`collector answered ${response.status}`);
}

/** Replay through the collector: read a batch, post it, remove it, until empty. */
const libraryDrain =
  (send?: (traces: BufferedTrace[]) => Promise<void>): Prepare =>
  async (n, salt) => {
    const name = uniqueName('lib-drain');
    const buffer = openLibrary(name, n);
    const store = storeWith(buffer);
    await Promise.all(makeTraces(n, salt).map(store));
    let delivered = 0;
    return {
      start: async () => {
        const result = await buffer.replayBufferedTraces(
          send ? { batchSize: DRAIN_BATCH, send } : { batchSize: DRAIN_BATCH },
        );
        delivered = result.failureCount === 0 ? result.successCount : 0;
      },
      stored: async () => delivered - (await buffer.getBufferStatus()).totalTraces,
      cleanup: () => closeLibrary(buffer, name),
    };
  };

/** The drain ceiling: raw read of the 100 oldest and delete, no network. */
const rawDrain: Prepare = async (n, salt) => {
  const name = uniqueName('raw-drain');
  const db = await openRaw(name, 'indexed');
  await putAllInOneTransaction(db, makeTraces(n, salt));
  let drained = 0;
  return {
    start: async () => {
      drained = await drainRaw(db, DRAIN_BATCH);
    },
    stored: async () => drained - (await countRaw(db)),
    cleanup: async () => {
      db.close();
      await deleteDatabase(name);
    },
  };
};

/** The library's footprint runs: the bench's 2 KB trace and the 20 KB LLM trace, with compression on and off. */
const LIBRARY_FOOTPRINTS = {
  // 2 KB is under the default 4 KB threshold: stored as text, as by default.
  'library-idb': { make: makeTraces, compression: undefined },
  'library-idb-gzip': { make: makeTraces, compression: { thresholdBytes: 0 } },
  'library-idb-20k': { make: makeLlmTraces, compression: undefined },
  'library-idb-20k-plain': { make: makeLlmTraces, compression: false },
} as const;
type FootprintKey = keyof typeof LIBRARY_FOOTPRINTS | 'idb-one-tx-indexed' | 'idb-keyval';

const windowApproaches: Record<string, Prepare> = {
  'idb-one-tx-bare:burst': rawOneTransaction('bare'),
  'idb-one-tx-indexed:burst': rawOneTransaction('indexed'),
  'idb-tx-per-trace:burst': rawTransactionPerTrace('burst'),
  'idb-tx-per-trace:seq': rawTransactionPerTrace('seq'),
  'idb-tx-per-trace-totals:seq': rawTransactionPerTraceWithTotals(),
  'idb-keyval:burst': idbKeyval('burst'),
  'idb-keyval:seq': idbKeyval('seq'),
  'library-idb:burst': libraryIndexedDb('burst'),
  'library-idb:seq': libraryIndexedDb('seq'),
  'library-idb-plain:burst': libraryIndexedDb('burst', makeTraces, false),
  'library-idb-20k:burst': libraryIndexedDb('burst', makeLlmTraces),
  'library-idb-20k-plain:burst': libraryIndexedDb('burst', makeLlmTraces, false),
  'library-memory:seq': libraryMemory('seq'),
  'drain-raw:burst': rawDrain,
  'drain-library:burst': libraryDrain(),
  'drain-library-no-network:burst': libraryDrain(() => Promise.resolve()),
};

// ---- the OPFS worker ------------------------------------------------------------

let worker: Worker | undefined;
let nextMessageId = 0;
const waiting = new Map<number, (reply: WorkerReply) => void>();

function askWorker<T>(request: WorkerRequest): Promise<T> {
  worker ??= (() => {
    const created = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module' });
    created.onmessage = (event: MessageEvent<WorkerReply>) => {
      waiting.get(event.data.id)?.(event.data);
      waiting.delete(event.data.id);
    };
    created.onerror = (event) => {
      const error = `worker failed: ${event.message}`;
      for (const settle of waiting.values()) settle({ id: -1, ok: false, error });
      waiting.clear();
    };
    return created;
  })();
  const id = nextMessageId++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, (reply) => (reply.ok ? resolve(reply.value as T) : reject(new Error(reply.error))));
    worker?.postMessage({ id, request });
  });
}

function workerApproach(name: string, n: number, salt: string): Promise<TimedRun> | undefined {
  const [approach, mode] = name.split(':') as [string, StoreMode];
  switch (approach) {
    case 'opfs-log-ceiling':
      return askWorker({ op: 'opfs-log-ceiling', n, salt });
    case 'opfs-file-per-trace':
      return askWorker({ op: 'opfs-file-per-trace', n, salt, mode });
    case 'library-opfs':
      return askWorker({ op: 'library-opfs', n, salt, mode });
    default:
      return undefined;
  }
}

// ---- what the driver calls ------------------------------------------------------------

export interface ResponsivenessRun extends MainThreadReport {
  /** How long issuing the stores took, synchronously, before any of them committed. */
  issueMs: number;
  ms: number;
  stored: number;
}

interface GrowthState {
  buffer: TraceBuffer;
  name: string;
  salt: string;
  next: number;
}
let growth: GrowthState | undefined;
let rawGrowth: { db: IDBDatabase; name: string; salt: string; next: number; full: RawFullStore } | undefined;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const bench = {
  ready: true,
  configure(options: { collectorUrl: string }): void {
    collectorUrl = options.collectorUrl;
  },
  probeLibraryOpfs(): Promise<ProbeResult> {
    return askWorker({ op: 'library-opfs-probe' });
  },
  async run(name: string, n: number, salt: string): Promise<TimedRun> {
    const inWorker = workerApproach(name, n, salt);
    if (inWorker) return inWorker;
    const prepare = windowApproaches[name];
    if (!prepare) throw new Error(`no approach "${name}"`);
    const prepared = await prepare(n, salt);
    try {
      await yieldToEventLoop();
      const started = performance.now();
      await prepared.start();
      const ms = performance.now() - started;
      return { ms, stored: await prepared.stored() };
    } finally {
      await prepared.cleanup();
    }
  },
  /** A burst with the main thread watched; `issueMs` is the caller's own synchronous loop. */
  async responsiveness(name: string, n: number, salt: string): Promise<ResponsivenessRun> {
    const prepare = windowApproaches[name];
    if (!prepare) throw new Error(`no approach "${name}"`);
    const prepared = await prepare(n, salt);
    try {
      const monitor = watchMainThread();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      const done = prepared.start();
      const issueMs = performance.now() - started;
      await done;
      const ms = performance.now() - started;
      const report = await monitor.stop();
      return { ...report, issueMs, ms, stored: await prepared.stored() };
    } finally {
      await prepared.cleanup();
    }
  },
  /**
   * Fills one database with `n` traces and closes it, for the driver to
   * measure the disk before and after; returns the database to delete.
   */
  async footprintFill(name: FootprintKey, n: number, salt: string) {
    const usage = async (): Promise<number> => (await navigator.storage.estimate()).usage ?? NaN;
    const before = await usage();
    const chunk = 2_000;
    let stored = 0;
    let storedBytes = NaN;
    let database: string;
    const library = LIBRARY_FOOTPRINTS[name as keyof typeof LIBRARY_FOOTPRINTS];
    const make = library?.make ?? makeTraces;
    if (library) {
      const bufferName = uniqueName('footprint-lib');
      const buffer = openLibrary(bufferName, n, library.compression);
      for (let from = 0; from < n; from += chunk)
        await Promise.all(make(Math.min(chunk, n - from), salt, from).map(storeWith(buffer)));
      const status = await buffer.getBufferStatus();
      stored = status.totalTraces;
      storedBytes = status.totalSizeBytes;
      await buffer.close();
      database = databaseNameFor(bufferName);
    } else if (name === 'idb-keyval') {
      database = uniqueName('footprint-keyval');
      const store = createStore(database, 'keyval');
      for (let from = 0; from < n; from += chunk)
        await Promise.all(
          makeTraces(Math.min(chunk, n - from), salt, from).map((trace) => {
            const record = baselineRecord(trace);
            return set(record.id, record, store);
          }),
        );
      stored = (await keys(store)).length;
      await store('readonly', (objectStore) => objectStore.transaction.db.close());
    } else {
      database = uniqueName('footprint-raw');
      const db = await openRaw(database, 'indexed');
      for (let from = 0; from < n; from += chunk)
        await putAllInOneTransaction(db, makeTraces(Math.min(chunk, n - from), salt, from));
      stored = await countRaw(db);
      db.close();
    }
    // Give the engine a moment to settle its write-ahead log before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await usage();
    const jsonBytes = new TextEncoder().encode(JSON.stringify(make(1, salt)[0]) + JSON.stringify(TRACE_CONFIG)).length;
    return {
      stored,
      database,
      estimateBytesPerTrace: (after - before) / n,
      jsonBytesPerTrace: jsonBytes,
      // What the library counts per trace (status.totalSizeBytes): compressed ones at their compressed size.
      storedBytesPerTrace: storedBytes / n,
    };
  },
  deleteDatabase(name: string): Promise<void> {
    return deleteDatabase(name);
  },
  async growthOpen(cap: number): Promise<void> {
    const name = uniqueName('growth');
    const buffer = openLibrary(name, cap);
    await buffer.getBufferStatus();
    growth = { buffer, name, salt: uniqueName('g'), next: 0 };
  },
  /** Stores `count` more traces, in bursts, untimed. */
  async growthFill(count: number): Promise<number> {
    if (!growth) throw new Error('growthOpen first');
    const store = storeWith(growth.buffer);
    for (let done = 0; done < count;) {
      const chunk = Math.min(2_000, count - done);
      await Promise.all(makeTraces(chunk, growth.salt, growth.next).map(store));
      growth.next += chunk;
      done += chunk;
      await yieldToEventLoop();
    }
    return (await growth.buffer.getBufferStatus()).totalTraces;
  },
  /** Rates of more stores into a full buffer (each one evicts), and status latency. */
  async growthMeasure(burstN: number, seqN: number, statusCalls: number) {
    if (!growth) throw new Error('growthOpen first');
    const store = storeWith(growth.buffer);
    const burstTraces = makeTraces(burstN, growth.salt, growth.next);
    growth.next += burstN;
    await yieldToEventLoop();
    let started = performance.now();
    const burstOk = await Promise.all(burstTraces.map(store));
    const burstMs = performance.now() - started;
    const seqTraces = makeTraces(seqN, growth.salt, growth.next);
    growth.next += seqN;
    let seqOk = 0;
    started = performance.now();
    for (const trace of seqTraces) if (await store(trace)) seqOk++;
    const seqMs = performance.now() - started;
    const statusMs: number[] = [];
    let total = 0;
    for (let i = 0; i < statusCalls; i++) {
      started = performance.now();
      total = (await growth.buffer.getBufferStatus()).totalTraces;
      statusMs.push(performance.now() - started);
    }
    return {
      burstPerSecond: (burstN / burstMs) * 1000,
      seqPerSecond: (seqN / seqMs) * 1000,
      statusMedianMs: median(statusMs),
      stored: burstOk.filter(Boolean).length + seqOk,
      totalTraces: total,
    };
  },
  /** The same measures on raw IndexedDB (see RawFullStore): how the engine itself grows. */
  async rawGrowthOpen(cap: number): Promise<number> {
    const name = uniqueName('raw-growth');
    const db = await openRaw(name, 'indexed');
    const salt = uniqueName('rg');
    for (let from = 0; from < cap; from += 2_000) {
      await putAllInOneTransaction(db, makeTraces(Math.min(2_000, cap - from), salt, from));
      await yieldToEventLoop();
    }
    rawGrowth = { db, name, salt, next: cap, full: new RawFullStore(db) };
    return countRaw(db);
  },
  async rawGrowthMeasure(burstN: number, seqN: number) {
    if (!rawGrowth) throw new Error('rawGrowthOpen first');
    const state = rawGrowth;
    const burst = makeTraces(burstN, state.salt, state.next);
    const seq = makeTraces(seqN, state.salt, state.next + burstN);
    state.next += burstN + seqN;
    await yieldToEventLoop();
    let started = performance.now();
    await state.full.putAndEvict(burst);
    const burstMs = performance.now() - started;
    started = performance.now();
    for (const trace of seq) await state.full.putAndEvict([trace]);
    const seqMs = performance.now() - started;
    return {
      burstPerSecond: (burstN / burstMs) * 1000,
      seqPerSecond: (seqN / seqMs) * 1000,
      totalTraces: await countRaw(state.db),
    };
  },
  async rawGrowthClose(): Promise<void> {
    if (!rawGrowth) return;
    rawGrowth.db.close();
    await deleteDatabase(rawGrowth.name);
    rawGrowth = undefined;
  },
  async growthClose(): Promise<void> {
    if (!growth) return;
    await closeLibrary(growth.buffer, growth.name);
    growth = undefined;
  },
};

declare global {
  interface Window {
    bench: typeof bench;
  }
}

window.bench = bench;
