import type { StorageBackend, StoredTrace } from '../../src/backend.js';
import { deepEqual, equal } from './check.js';
import { legacyStoredTrace, storedTrace } from './fixtures.js';

/**
 * Opens a backend on the store called `name`. Calling it twice with the same
 * name must give two independent instances on one shared store (two tabs),
 * when `shared` is true.
 */
export interface BackendFactory {
  open(name: string): StorageBackend | Promise<StorageBackend>;
  /** Whether two instances opened with one name share their records. */
  shared: boolean;
  /** Whether records survive close() and a new open(). */
  persistent: boolean;
  /**
   * Leaves one unreadable record in the store called `name`, below the
   * backend (as a crash or a hand edit would); resolves the key the backend
   * reports it under. Absent for backends that cannot hold one (memory).
   */
  corrupt?(name: string): Promise<string>;
}

export interface ContractCase {
  name: string;
  /** Set when the case needs shared or persistent storage, or a store that can be damaged. */
  needs?: 'shared' | 'persistent' | 'corruption';
  run(factory: BackendFactory, name: string): Promise<void>;
}

const ids = (records: { id: string }[]): string[] => records.map((r) => r.id);

/** Every backend must pass these, in Node where it can run and in every browser. */
export const backendContract: ContractCase[] = [
  {
    name: 'insert then readAll returns every record in age order, unchanged',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = [storedTrace(3), storedTrace(1), storedTrace(2)];
      const { evicted } = await backend.insert(records, 10);
      equal(evicted.length, 0, 'nothing evicted under the cap');
      const { records: read, corrupt } = await backend.readAll();
      equal(corrupt.length, 0, 'no corrupt records');
      deepEqual(read, [records[1], records[2], records[0]], 'records in age order');
      await backend.close();
    },
  },
  {
    name: 'insert evicts the oldest records beyond maxSize in the same step',
    async run(factory, name) {
      const backend = await factory.open(name);
      const first = [1, 2, 3, 4].map((i) => storedTrace(i));
      await backend.insert(first, 4);
      const second = [5, 6].map((i) => storedTrace(i));
      const { evicted } = await backend.insert(second, 4);
      deepEqual(
        evicted.map((e) => e.id),
        ids(first.slice(0, 2)),
        'the two oldest were evicted, oldest first',
      );
      equal(evicted[0]?.traceId, 'inference-1', 'an eviction names the trace id');
      deepEqual(ids((await backend.readAll()).records), ids([...first.slice(2), ...second]), 'the newest four remain');
      await backend.close();
    },
  },
  {
    name: 'maxSize 0 keeps nothing and reports every record evicted',
    async run(factory, name) {
      const backend = await factory.open(name);
      const { evicted } = await backend.insert([storedTrace(1), storedTrace(2)], 0);
      equal(evicted.length, 2, 'both evicted');
      equal((await backend.stats()).count, 0, 'empty');
      await backend.close();
    },
  },
  {
    name: 'the cap holds exactly when many inserts race',
    async run(factory, name) {
      const backend = await factory.open(name);
      const batches = Array.from({ length: 40 }, (_, b) =>
        Array.from({ length: 10 }, (_, i) => storedTrace(b * 10 + i)),
      );
      const results = await Promise.all(batches.map((batch) => backend.insert(batch, 100)));
      const evictedTotal = results.reduce((sum, r) => sum + r.evicted.length, 0);
      const { records } = await backend.readAll();
      equal(records.length, 100, 'exactly the cap remains');
      equal(evictedTotal, 300, 'every excess record was reported evicted once');
      deepEqual(ids(records), ids(batches.flat().slice(300)), 'the newest 100 remain');
      equal((await backend.stats()).count, 100, 'stats agree');
      await backend.close();
    },
  },
  {
    name: 'readOldest pages in age order from a cursor without skipping ties',
    async run(factory, name) {
      const backend = await factory.open(name);
      // Two writers stored in the same millisecond with the same sequence number.
      const tied = [storedTrace(1, 1000, 0), storedTrace(2, 1000, 0), storedTrace(3, 1000, 0)];
      const later = [storedTrace(4, 1001, 0), storedTrace(5, 1002, 1)];
      await backend.insert([...later, ...tied], 100);
      const seen: string[] = [];
      let after;
      for (let page = 0; page < 10; page++) {
        const { records } = await backend.readOldest(2, after);
        if (records.length === 0) break;
        seen.push(...ids(records));
        after = records[records.length - 1];
      }
      const expected = ids([...tied].sort((a, b) => (a.id < b.id ? -1 : 1))).concat(ids(later));
      deepEqual(seen, expected, 'every record once, in age order');
      await backend.close();
    },
  },
  {
    name: 'remove returns only the ids that were present',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = [storedTrace(1), storedTrace(2)];
      await backend.insert(records, 10);
      const first = await backend.remove([records[0]!.id, 'no-such-id']);
      deepEqual(first, [records[0]!.id], 'removed the present one');
      deepEqual(await backend.remove([records[0]!.id]), [], 'removing again removes nothing');
      deepEqual(ids((await backend.readAll()).records), [records[1]!.id], 'the other stays');
      await backend.close();
    },
  },
  {
    name: 'update replaces present records and never resurrects removed ones',
    async run(factory, name) {
      const backend = await factory.open(name);
      const [a, b] = [storedTrace(1), storedTrace(2)];
      await backend.insert([a, b], 10);
      await backend.remove([b.id]);
      const updated = await backend.update([
        { ...a, attempts: 2 },
        { ...b, attempts: 5 },
      ]);
      deepEqual(updated, [a.id], 'only the present record was updated');
      const { records } = await backend.readAll();
      equal(records.length, 1, 'the removed record stayed removed');
      equal(records[0]?.attempts, 2, 'the update is stored');
      await backend.close();
    },
  },
  {
    name: 'stats track count, bytes, oldest and newest without a scan',
    async run(factory, name) {
      const backend = await factory.open(name);
      deepEqual(await backend.stats(), { count: 0, bytes: 0, oldest: null, newest: null }, 'empty store');
      const records = [1, 2, 3].map((i) => storedTrace(i, 5000 + i));
      await backend.insert(records, 2);
      const stats = await backend.stats();
      equal(stats.count, 2, 'count after eviction');
      equal(stats.bytes, records[1]!.sizeBytes + records[2]!.sizeBytes, 'bytes of what remains');
      equal(stats.oldest, 5002, 'oldest');
      equal(stats.newest, 5003, 'newest');
      await backend.remove([records[2]!.id]);
      const after = await backend.stats();
      equal(after.count, 1, 'count after remove');
      equal(after.newest, 5002, 'newest after removing the newest');
      await backend.close();
    },
  },
  {
    name: 'clear removes everything and returns how many it removed',
    async run(factory, name) {
      const backend = await factory.open(name);
      await backend.insert(
        [1, 2, 3, 4, 5].map((i) => storedTrace(i)),
        10,
      );
      equal(await backend.clear(), 5, 'five removed');
      equal(await backend.clear(), 0, 'nothing left to remove');
      deepEqual(await backend.stats(), { count: 0, bytes: 0, oldest: null, newest: null }, 'empty afterwards');
      await backend.close();
    },
  },
  {
    name: 'clear racing a remove counts each record once',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = [1, 2, 3, 4, 5].map((i) => storedTrace(i));
      await backend.insert(records, 10);
      const [removed, cleared] = await Promise.all([backend.remove([records[2]!.id]), backend.clear()]);
      equal(removed.length + cleared, 5, 'remove and clear together account for all five');
      await backend.close();
    },
  },
  {
    name: 'records read back are copies',
    async run(factory, name) {
      const backend = await factory.open(name);
      const record = storedTrace(1);
      await backend.insert([record], 10);
      record.metadata.createdBy = 'changed by the caller';
      const [read] = (await backend.readAll()).records;
      equal(read?.metadata.createdBy, 'test', 'a caller mutating its object does not change the store');
      read!.metadata.createdBy = 'changed again';
      equal((await backend.readAll()).records[0]?.metadata.createdBy, 'test', 'nor does mutating a read');
      await backend.close();
    },
  },
  {
    name: 'two instances on one store keep the cap together',
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      const writes = Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).insert(
          Array.from({ length: 10 }, (_, j) => storedTrace(i * 10 + j)),
          50,
        ),
      );
      await Promise.all(writes);
      equal((await a.readAll()).records.length, 50, 'the cap holds across instances');
      equal((await b.stats()).count, 50, 'both instances see the same count');
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'totals and the cap stay exact when another instance wrote between two inserts of one',
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      const sizes = (records: StoredTrace[]): number => records.reduce((sum, r) => sum + r.sizeBytes, 0);
      const first = [storedTrace(1), storedTrace(2)];
      const second = [storedTrace(3), storedTrace(4), storedTrace(5)];
      const third = [storedTrace(6)];
      await a.insert(first, 6);
      await b.insert(second, 6);
      // a last saw 2 records; it must not trust that.
      await a.insert(third, 6);
      deepEqual(
        [(await b.stats()).count, (await b.stats()).bytes],
        [6, sizes([...first, ...second, ...third])],
        'count and bytes include the writes of every instance',
      );
      await b.remove([first[0]!.id]);
      // a last saw 6; after b's removal one more fits without evicting anything.
      const { evicted } = await a.insert([storedTrace(7)], 6);
      deepEqual(evicted, [], 'nothing is evicted while there is room');
      const { evicted: evictedNext } = await a.insert([storedTrace(8)], 6);
      deepEqual(ids(evictedNext), [first[1]!.id], 'the oldest goes once the cap is reached');
      deepEqual(
        [(await a.stats()).count, (await b.readAll()).records.length],
        [6, 6],
        'the totals agree with the records',
      );
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'eviction takes the oldest even when another instance stored older traces after this one evicted',
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      const [t10, t20, t30, t40, t5, t50] = [10, 20, 30, 40, 5, 50].map((ts, i) => storedTrace(i, ts, 0));
      await a.insert([t10!, t20!, t30!], 3);
      deepEqual(ids((await a.insert([t40!], 3)).evicted), ids([t10!]), 'the oldest went');
      equal((await a.stats()).oldest, 20, 'the status says which is the oldest now');
      // Another tab commits a trace it took before a's eviction (its cap is larger, so it evicts nothing).
      await b.insert([t5!], 10);
      equal((await a.stats()).oldest, 5, 'the status sees the late, older trace');
      deepEqual(ids((await a.insert([t50!], 3)).evicted), ids([t5!, t20!]), 'the late, older trace goes first');
      deepEqual(ids((await a.readAll()).records), ids([t30!, t40!, t50!]), 'the three newest stay');
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'eviction into a full buffer takes the oldest when another instance wrote since the last insert',
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      const [t10, t20, t30, t40, t50, t5, t60] = [10, 20, 30, 40, 50, 5, 60].map((ts, i) => storedTrace(i, ts, 0));
      await a.insert([t10!, t20!, t30!], 3);
      await a.insert([t40!], 3);
      // a is full and knows where its last eviction stopped: the next insert reads ahead from there.
      deepEqual(ids((await a.insert([t50!], 3)).evicted), ids([t20!]), 'the oldest went');
      await b.insert([t5!], 10);
      deepEqual(ids((await a.insert([t60!], 3)).evicted), ids([t5!, t30!]), 'the late, older trace goes first');
      deepEqual(ids((await b.readAll()).records), ids([t40!, t50!, t60!]), 'the three newest stay');
      equal((await b.stats()).count, 3, 'and are counted');
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'eviction takes the oldest when the clock went back between two inserts',
    async run(factory, name) {
      const backend = await factory.open(name);
      const [t10, t20, t30, t40, t5] = [10, 20, 30, 40, 5].map((ts, i) => storedTrace(i, ts, 0));
      await backend.insert([t10!, t20!, t30!], 3);
      await backend.insert([t40!], 3);
      deepEqual(ids((await backend.insert([t5!], 3)).evicted), ids([t5!]), 'the oldest is the one just stored');
      deepEqual(ids((await backend.readAll()).records), ids([t20!, t30!, t40!]), 'the others stay');
      await backend.close();
    },
  },
  {
    name: 'a large insert stores every record and evicts the excess in the same step',
    async run(factory, name) {
      const backend = await factory.open(name);
      // More records than the IndexedDB backend puts per task: the chunks must still be one step.
      const records = Array.from({ length: 450 }, (_, i) => storedTrace(i, 9_000 + i));
      const { evicted } = await backend.insert(records, 300);
      deepEqual(ids(evicted), ids(records.slice(0, 150)), 'the 150 oldest are evicted');
      deepEqual(ids((await backend.readAll()).records), ids(records.slice(150)), 'the 300 newest stay, in order');
      equal((await backend.stats()).count, 300, 'and are counted');
      await backend.close();
    },
  },
  {
    name: 'removing records just read keeps the totals exact when another instance removed some first',
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      await a.insert(
        [1, 2, 3, 4].map((i) => storedTrace(i)),
        10,
      );
      const { records: read } = await a.readOldest(4);
      // A replay reads, sends, then removes; another tab may remove some meanwhile.
      deepEqual(await b.remove([read[0]!.id]), [read[0]!.id], 'the other instance removed one');
      await a.update([{ ...read[1]!, attempts: 1 }]);
      const removed = await a.remove(ids(read));
      deepEqual(removed, ids(read.slice(1)), 'only the records still there are reported removed');
      deepEqual(await a.stats(), { count: 0, bytes: 0, oldest: null, newest: null }, 'count and bytes are exact');
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'records in the 0.1.0 layout (trace and config as objects) read back as traces',
    needs: 'persistent',
    async run(factory, name) {
      const first = await factory.open(name);
      const legacy = [legacyStoredTrace(1), legacyStoredTrace(2)];
      await first.insert(legacy as unknown as StoredTrace[], 10);
      await first.close();
      const second = await factory.open(name);
      const { records, corrupt } = await second.readAll();
      deepEqual(corrupt, [], 'nothing is reported unreadable');
      deepEqual(
        records.map((r) => [r.id, r.traceId, JSON.parse(r.traceJson) as unknown, JSON.parse(r.configJson) as unknown]),
        legacy.map((r) => [
          r['id'],
          (r['traceData'] as { inferenceId: string }).inferenceId,
          r['traceData'],
          r['config'],
        ]),
        'each is converted: JSON texts and the trace id',
      );
      equal((await second.readOldest(1)).records[0]?.traceId, 'inference-1', 'reading the oldest converts too');
      deepEqual(await second.remove([legacy[0]!['id'] as string]), [legacy[0]!['id']], 'and it can be removed');
      await second.close();
    },
  },
  {
    name: 'records survive close and reopen',
    needs: 'persistent',
    async run(factory, name) {
      const first = await factory.open(name);
      const records = [storedTrace(1), storedTrace(2)];
      await first.insert(records, 10);
      await first.close();
      const second = await factory.open(name);
      deepEqual(ids((await second.readAll()).records), ids(records), 'both records are back');
      equal((await second.stats()).count, 2, 'and counted');
      await second.close();
    },
  },
  {
    name: 'unreadable records count in stats and against the cap until removed, evicted after the readable ones',
    needs: 'corruption',
    async run(factory, name) {
      const first = await factory.open(name);
      const records = [1, 2, 3].map((i) => storedTrace(i));
      await first.insert(records, 10);
      await first.close();
      const unreadable = await factory.corrupt!(name);
      // A new instance, as another tab opening the damaged store would.
      const backend = await factory.open(name);
      equal((await backend.stats()).count, 4, 'the unreadable record is counted');
      const read = await backend.readAll();
      deepEqual(ids(read.records), ids(records), 'the readable records read back');
      deepEqual(
        read.corrupt.map((c) => c.key),
        [unreadable],
        'the unreadable one is reported by its key',
      );
      // It holds a place under the cap: one more record evicts the oldest readable
      // one. Records with an age go first, as IndexedDB's age index gives them.
      const fourth = storedTrace(4);
      const { evicted } = await backend.insert([fourth], 4);
      deepEqual(ids(evicted), [records[0]!.id], 'the oldest readable record made room');
      equal((await backend.stats()).count, 4, 'the cap holds with the unreadable record in it');
      deepEqual(await backend.remove([unreadable]), [unreadable], 'remove takes it by its key');
      equal((await backend.stats()).count, 3, 'and it no longer counts');
      equal((await backend.readAll()).corrupt.length, 0, 'nor is it reported');
      await backend.close();

      const again = await factory.corrupt!(name);
      const last = await factory.open(name);
      equal((await last.stats()).count, 4, 'a second unreadable record is counted');
      const { evicted: all } = await last.insert([storedTrace(5)], 0);
      equal(all.length, 5, 'a cap of 0 evicts every record');
      equal(all.at(-1)?.id, again, 'the unreadable one last, after every readable one');
      equal((await last.stats()).count, 0, 'nothing is left to count');
      deepEqual((await last.readAll()).corrupt, [], 'nor to report');
      await last.close();
    },
  },
  {
    name: 'clear removes unreadable records too and counts them',
    needs: 'corruption',
    async run(factory, name) {
      const first = await factory.open(name);
      await first.insert([storedTrace(1), storedTrace(2)], 10);
      await first.close();
      await factory.corrupt!(name);
      const backend = await factory.open(name);
      equal(await backend.clear(), 3, 'two readable records and the unreadable one');
      equal((await backend.stats()).count, 0, 'nothing left');
      deepEqual((await backend.readAll()).corrupt, [], 'nothing reported');
      await backend.close();
    },
  },
];

export function applicableCases(factory: BackendFactory): {
  run: ContractCase[];
  skipped: { name: string; why: string }[];
} {
  const run: ContractCase[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const testCase of backendContract) {
    if (testCase.needs === 'shared' && !factory.shared) {
      skipped.push({ name: testCase.name, why: 'this backend keeps one store per instance' });
    } else if (testCase.needs === 'persistent' && !factory.persistent) {
      skipped.push({ name: testCase.name, why: 'this backend does not persist' });
    } else if (testCase.needs === 'corruption' && !factory.corrupt) {
      skipped.push({ name: testCase.name, why: 'this backend cannot hold an unreadable record' });
    } else run.push(testCase);
  }
  return { run, skipped };
}
