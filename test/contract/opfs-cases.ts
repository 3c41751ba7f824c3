import { createTraceBuffer, migrateBufferedTraces, type TraceBufferError } from '../../src/index.js';
import { indexedDbBackend, opfsBackend, type StorageBackend } from '../../src/backend.js';
import { deepEqual, equal, ok } from './check.js';
import { storedTrace } from './fixtures.js';

/**
 * OPFS-only cases: the log's crash safety and its exclusive handles. They run
 * inside a dedicated worker (sync access handles exist nowhere else) and reach
 * under the backend to damage or hold its files, as a crash or another
 * library would.
 */
export interface OpfsCase {
  name: string;
  run(name: string): Promise<void>;
}

interface SyncHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}

async function bufferDirectory(name: string): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle('offline-trace-buffer')).getDirectoryHandle(name);
}

async function fileNames(name: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of (await bufferDirectory(name)).keys()) names.push(entry);
  return names.sort();
}

async function openLog(name: string): Promise<SyncHandle> {
  const log = (await fileNames(name)).find((file) => file.startsWith('log-'));
  ok(log, 'a log file exists');
  const file = await (await bufferDirectory(name)).getFileHandle(log);
  return (file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle();
}

const ids = (records: { id: string }[]): string[] => records.map((r) => r.id);

/**
 * Appends a frame cut short to the log, as a worker killed mid-write leaves;
 * resolves the key the backend sets those bytes aside under.
 */
export async function appendTornFrame(name: string): Promise<string> {
  const log = (await fileNames(name)).find((file) => file.startsWith('log-'));
  ok(log, 'a log file exists');
  const handle = await openLog(name);
  try {
    const size = handle.getSize();
    const torn = new Uint8Array(40);
    const view = new DataView(torn.buffer);
    view.setUint32(0, 0x4642544f, true);
    view.setUint32(4, 5000, true);
    torn.fill(0x7b, 12);
    handle.write(torn, { at: size });
    handle.flush();
    return `corrupt-${log.slice('log-'.length)}-${size}`;
  } finally {
    handle.close();
  }
}

async function withBackend<T>(name: string, run: (backend: StorageBackend) => Promise<T>): Promise<T> {
  const backend = opfsBackend({ name });
  try {
    return await run(backend);
  } finally {
    await backend.close();
  }
}

export const opfsCases: OpfsCase[] = [
  {
    name: 'a torn tail (a write cut short) is set aside and reported, and later writes read back',
    async run(name) {
      const records = [1, 2, 3].map((i) => storedTrace(i));
      await withBackend(name, async (backend) => {
        for (const record of records) await backend.insert([record], 10);
      });
      // What a worker killed mid-write leaves: a frame header promising more than was written.
      await appendTornFrame(name);

      await withBackend(name, async (backend) => {
        const read = await backend.readAll();
        deepEqual(ids(read.records), ids(records), 'every whole record reads back');
        equal(read.corrupt.length, 1, 'the torn tail is reported once');
        ok(read.corrupt[0]!.reason.includes('torn'), `the reason says torn (${read.corrupt[0]!.reason})`);
        const later = storedTrace(4);
        await backend.insert([later], 10);
        deepEqual(
          ids((await backend.readAll()).records),
          ids([...records, later]),
          'a later write follows the good frames',
        );
      });
      ok(
        (await fileNames(name)).some((file) => file.startsWith('corrupt-')),
        'the torn bytes are kept in a set-aside file',
      );
      await withBackend(name, async (backend) => {
        equal((await backend.readAll()).corrupt.length, 1, 'a new instance still reports the set-aside record');
        equal(await backend.clear(), 5, 'clear removes the four records and the set-aside one');
        equal((await backend.readAll()).corrupt.length, 0, 'nothing reported after clear');
      });
    },
  },
  {
    name: 'a corrupt frame in the middle is set aside; the frames after it still read',
    async run(name) {
      const records = [1, 2, 3].map((i) => storedTrace(i));
      await withBackend(name, async (backend) => {
        for (const record of records) await backend.insert([record], 10);
      });
      const handle = await openLog(name);
      const data = new Uint8Array(handle.getSize());
      handle.read(data, { at: 0 });
      // Flip one byte inside the second frame's payload: its checksum no longer matches.
      const text = new TextDecoder().decode(data);
      const at = text.indexOf(records[1]!.id);
      ok(at > 0, 'the second record is in the log');
      handle.write(new Uint8Array([data[at]! ^ 0x01]), { at });
      handle.flush();
      handle.close();

      const errors: TraceBufferError[] = [];
      const buffer = createTraceBuffer({ name, storage: 'opfs', onError: (error) => errors.push(error) });
      const traces = await buffer.getBufferedTraces();
      deepEqual(ids(traces), [records[0]!.id, records[2]!.id], 'the records around the damage read back');
      equal(errors.length, 1, 'the damaged record is reported');
      equal(errors[0]?.code, 'CORRUPT_RECORD', 'as CORRUPT_RECORD');
      equal((await buffer.getBufferStatus()).corruptRecords, 1, 'and counted in the status');
      await buffer.close();
    },
  },
  {
    name: 'a handle held elsewhere (NoModificationAllowedError) delays a store until it is released',
    async run(name) {
      await withBackend(name, (backend) => backend.insert([storedTrace(1)], 10));
      const held = await openLog(name);
      let released = false;
      const release = new Promise<void>((resolve) =>
        setTimeout(() => {
          released = true;
          held.close();
          resolve();
        }, 300),
      );
      await withBackend(name, async (backend) => {
        await backend.insert([storedTrace(2)], 10);
        ok(released, 'the insert waited for the other handle');
        equal((await backend.readAll()).records.length, 2, 'and then stored');
      });
      await release;
    },
  },
  {
    name: 'compaction keeps the live records, drops removed ones, and other instances follow it',
    async run(name) {
      const big = 'x'.repeat(50_000);
      const records = Array.from({ length: 100 }, (_, i) => {
        const record = storedTrace(i);
        record.traceJson = JSON.stringify({ ...(JSON.parse(record.traceJson!) as object), padding: `${i}${big}` });
        record.sizeBytes = 50_100;
        return record;
      });
      const watcher = opfsBackend({ name });
      equal((await watcher.stats()).count, 0, 'the watcher opened the first log');
      await withBackend(name, async (backend) => {
        for (let i = 0; i < 100; i += 10) await backend.insert(records.slice(i, i + 10), 1000);
        await backend.remove(ids(records.slice(0, 90)));
      });
      const files = await fileNames(name);
      ok(!files.includes('log-1'), `the first log was retired (${files.join(', ')})`);
      ok(files.includes('log-2'), 'the compacted log replaced it');
      deepEqual(ids((await watcher.readAll()).records), ids(records.slice(90)), 'an open instance follows the new log');
      await watcher.close();
      await withBackend(name, async (backend) => {
        const { records: read } = await backend.readAll();
        deepEqual(read, records.slice(90), 'a fresh instance reads the ten live records unchanged');
      });
    },
  },
  {
    name: 'records have the same shape in IndexedDB and OPFS and migrate both ways',
    async run(name) {
      const records = [1, 2, 3].map((i) => storedTrace(i));
      const idb = indexedDbBackend({ name: `migrate-${name}` });
      const opfs = opfsBackend({ name });
      await idb.insert(records, 10);
      const there = await migrateBufferedTraces(idb, opfs);
      equal(there.moved, 3, 'three moved to OPFS');
      deepEqual((await opfs.readAll()).records, records, 'OPFS holds them unchanged');
      equal((await idb.stats()).count, 0, 'IndexedDB is empty');
      const back = await migrateBufferedTraces(opfs, idb, { maxBufferSize: 2 });
      equal(back.moved, 3, 'three moved back');
      equal(back.evicted, 1, 'the cap of the target applies');
      deepEqual((await idb.readAll()).records, records.slice(1), 'IndexedDB holds the newest two unchanged');
      await Promise.all([idb.close(), opfs.close()]);
    },
  },
  {
    name: "storage 'auto' in a dedicated worker picks OPFS",
    async run(name) {
      const buffer = createTraceBuffer({ name });
      equal(await buffer.storeTrace({ inferenceId: 'auto-1' }), true, 'stored');
      const status = await buffer.getBufferStatus();
      equal(status.backend, 'opfs', 'the status names OPFS');
      equal(status.fallbackReason, null, 'no fallback');
      equal(status.persistent, true, 'persistent');
      await buffer.close();
    },
  },
];
