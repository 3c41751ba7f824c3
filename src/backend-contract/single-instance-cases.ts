import type { ContractCase } from './contract-case.js';
import { deepEqual, equal } from './check.js';
import { ids, storedTrace } from './records.js';

/**
 * Cases every backend passes on one instance: age order, eviction and the cap,
 * paging with ties, remove, update, stats, clear, and copies on read.
 */
export const singleInstanceCases: ContractCase[] = [
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
];
