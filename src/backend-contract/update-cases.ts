import type { ContractCase } from './contract-case.js';
import { deepEqual, equal } from './check.js';
import { ids, storedTrace } from './records.js';

/**
 * Cases for `update`: it rewrites the records still present, never creates
 * one, and leaves the totals alone (a record's id, age and `sizeBytes` never
 * change, so count and bytes must come out exactly as they were).
 */
export const updateCases: ContractCase[] = [
  {
    name: 'update of many records leaves count and bytes exactly as they were and creates no missing record',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = Array.from({ length: 60 }, (_, i) => storedTrace(i, 20_000 + i));
      await backend.insert(records, 100);
      const before = await backend.stats();
      const missing = storedTrace(60, 20_060);
      const updated = await backend.update([...records.map((r) => ({ ...r, attempts: 3 })), missing]);
      deepEqual(updated, ids(records), 'every present record is reported updated, the missing one is not');
      deepEqual(await backend.stats(), before, 'count, bytes, oldest and newest are unchanged');
      const { records: read } = await backend.readAll();
      deepEqual(ids(read), ids(records), 'the missing record was not created');
      equal(
        read.every((r) => r.attempts === 3),
        true,
        'every update is stored',
      );
      // The totals drive eviction and the status: they must still be exact.
      const newest = storedTrace(61, 20_061);
      const { evicted } = await backend.insert([newest], 60);
      deepEqual(ids(evicted), ids(records.slice(0, 1)), 'the cap evicts exactly one after the updates');
      await backend.remove(ids(read));
      const after = await backend.stats();
      equal(after.count, 1, 'count after removing the updated records');
      equal(after.bytes, newest.sizeBytes, 'bytes after removing the updated records');
      await backend.close();
    },
  },
  {
    name: "another instance's update leaves the totals and the eviction order this instance relies on intact",
    needs: 'shared',
    async run(factory, name) {
      const [a, b] = await Promise.all([factory.open(name), factory.open(name)]);
      const records = [1, 2, 3, 4].map((i) => storedTrace(i, 30_000 + i));
      await b.insert(records.slice(0, 3), 3);
      // b is full and knows where its last eviction stopped.
      deepEqual(ids((await b.insert([records[3]!], 3)).evicted), ids(records.slice(0, 1)), 'b evicted the oldest');
      const before = await b.stats();
      const { records: read } = await a.readAll();
      deepEqual(await a.update(read.map((r) => ({ ...r, attempts: 1 }))), ids(read), 'a updated all three');
      deepEqual(await b.stats(), before, 'b sees the same totals after the update');
      const newer = [5, 6].map((i) => storedTrace(i, 30_000 + i));
      deepEqual(ids((await b.insert(newer, 3)).evicted), ids(records.slice(1, 3)), 'b evicts the two oldest next');
      const { records: left } = await a.readAll();
      deepEqual(ids(left), ids([records[3]!, ...newer]), 'the three newest stay');
      equal(left[0]?.attempts, 1, "a's update is kept");
      equal((await a.stats()).count, 3, 'and are counted');
      await Promise.all([a.close(), b.close()]);
    },
  },
];
