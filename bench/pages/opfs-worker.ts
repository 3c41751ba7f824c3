/**
 * The bench's dedicated worker: the OPFS baselines, written with the raw OPFS
 * API, and the slot for the library's own OPFS backend. Every approach runs its
 * whole timing loop here, in the worker, as a tracer living in a worker would.
 */
import { createTraceBuffer, isTraceBufferError, type StorageChoice, type TraceBuffer } from '../../src/index.js';
import {
  baselineRecord,
  makeTraces,
  PIPELINE_ID,
  TRACE_CONFIG,
  uniqueName,
  type BenchTrace,
} from './trace-fixtures.js';
import type { ProbeResult, StoreMode, TimedRun, WorkerReply, WorkerRequest } from './worker-protocol.js';

// Sync access handles exist only in dedicated workers; the DOM typings leave them out.
interface SyncAccessHandle {
  write(data: Uint8Array, options?: { at?: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}
interface SyncFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

const encoder = new TextEncoder();

async function freshDirectory(
  prefix: string,
): Promise<{ dir: FileSystemDirectoryHandle; remove: () => Promise<void> }> {
  const root = await navigator.storage.getDirectory();
  const name = uniqueName(prefix);
  const dir = await root.getDirectoryHandle(name, { create: true });
  return { dir, remove: () => root.removeEntry(name, { recursive: true }) };
}

async function syncHandle(dir: FileSystemDirectoryHandle, file: string): Promise<SyncAccessHandle> {
  const handle = (await dir.getFileHandle(file, { create: true })) as SyncFileHandle;
  return handle.createSyncAccessHandle();
}

/**
 * The OPFS ceiling: one append-only log, each store encoded and written at
 * once, one flush for everything written in the same turn (group flush).
 */
async function logCeiling(n: number, salt: string): Promise<TimedRun> {
  const traces = makeTraces(n, salt);
  const { dir, remove } = await freshDirectory('log-ceiling');
  const handle = await syncHandle(dir, 'traces.log');
  try {
    let offset = handle.getSize();
    let lines = 0;
    let waiting: (() => void)[] = [];
    const append = (trace: BenchTrace): Promise<void> => {
      const bytes = encoder.encode(JSON.stringify(baselineRecord(trace)) + '\n');
      offset += handle.write(bytes, { at: offset });
      lines++;
      return new Promise((resolve) => {
        waiting.push(resolve);
        if (waiting.length > 1) return;
        queueMicrotask(() => {
          handle.flush();
          const settled = waiting;
          waiting = [];
          settled.forEach((done) => done());
        });
      });
    };
    const started = performance.now();
    await Promise.all(traces.map(append));
    return { ms: performance.now() - started, stored: lines };
  } finally {
    handle.close();
    await remove();
  }
}

/** The Node port's layout moved to OPFS: one JSON file per trace. */
async function filePerTrace(n: number, salt: string, mode: StoreMode): Promise<TimedRun> {
  const traces = makeTraces(n, salt);
  const { dir, remove } = await freshDirectory('file-per-trace');
  const writeOne = async (trace: BenchTrace): Promise<void> => {
    const record = baselineRecord(trace);
    const handle = await syncHandle(dir, `${record.id}.json`);
    try {
      handle.write(encoder.encode(JSON.stringify(record)));
      handle.flush();
    } finally {
      handle.close();
    }
  };
  try {
    const started = performance.now();
    if (mode === 'burst') await Promise.all(traces.map(writeOne));
    else for (const trace of traces) await writeOne(trace);
    const ms = performance.now() - started;
    let stored = 0;
    for await (const name of dir.keys()) if (name.endsWith('.json')) stored++;
    return { ms, stored };
  } finally {
    await remove();
  }
}

/**
 * The library on OPFS, once this build accepts `storage: 'opfs'`. A build that
 * refuses it, or falls back to another backend, is reported as not available
 * with the reason: the table says so instead of leaving a gap.
 */
function openLibraryOpfs(name: string, maxBufferSize: number): TraceBuffer {
  return createTraceBuffer({ name, storage: 'opfs' as unknown as StorageChoice, maxBufferSize });
}

async function probeLibraryOpfs(): Promise<ProbeResult> {
  let buffer: TraceBuffer;
  try {
    buffer = openLibraryOpfs(uniqueName('probe'), 10);
  } catch (error) {
    const code = isTraceBufferError(error) ? `${error.code}: ` : '';
    return {
      available: false,
      reason: `createTraceBuffer refused storage 'opfs' (${code}${error instanceof Error ? error.message : String(error)})`,
    };
  }
  try {
    const stored = await buffer.storeTrace({ probe: true }, TRACE_CONFIG, PIPELINE_ID);
    const status = await buffer.getBufferStatus();
    await buffer.clearBuffer();
    if (status.backend !== 'opfs')
      return {
        available: false,
        reason: `storage 'opfs' ran on '${status.backend}' (${status.fallbackReason ?? 'no reason given'})`,
      };
    if (!stored)
      return { available: false, reason: `storeTrace on OPFS resolved false (${status.lastError?.message ?? ''})` };
    return { available: true, reason: '' };
  } finally {
    await buffer.close();
  }
}

async function libraryOpfs(n: number, salt: string, mode: StoreMode): Promise<TimedRun> {
  const traces = makeTraces(n, salt);
  const buffer = openLibraryOpfs(uniqueName('lib-opfs'), n);
  try {
    // Open the storage before timing, as the baselines do.
    await buffer.getBufferStatus();
    const started = performance.now();
    let results: boolean[];
    if (mode === 'burst')
      results = await Promise.all(traces.map((t) => buffer.storeTrace(t, TRACE_CONFIG, PIPELINE_ID)));
    else {
      results = [];
      for (const trace of traces) results.push(await buffer.storeTrace(trace, TRACE_CONFIG, PIPELINE_ID));
    }
    const ms = performance.now() - started;
    const status = await buffer.getBufferStatus();
    await buffer.clearBuffer();
    return { ms, stored: Math.min(status.totalTraces, results.filter(Boolean).length) };
  } finally {
    await buffer.close();
  }
}

function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'opfs-log-ceiling':
      return logCeiling(request.n, request.salt);
    case 'opfs-file-per-trace':
      return filePerTrace(request.n, request.salt, request.mode);
    case 'library-opfs-probe':
      return probeLibraryOpfs();
    case 'library-opfs':
      return libraryOpfs(request.n, request.salt, request.mode);
  }
}

self.onmessage = (event: MessageEvent<{ id: number; request: WorkerRequest }>) => {
  const { id, request } = event.data;
  handle(request).then(
    (value) => self.postMessage({ id, ok: true, value } satisfies WorkerReply),
    (error: unknown) =>
      self.postMessage({
        id,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
      } satisfies WorkerReply),
  );
};
