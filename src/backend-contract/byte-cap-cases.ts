import type { StorageBackend } from '../core/storage-backend.js';
import type { StoredTrace } from '../core/record.js';
import type { ContractCase } from './contract-case.js';
import { deepEqual, equal, ok } from './check.js';
import { ids, storedTrace } from './records.js';

/** A record whose stored size is `sizeBytes`, as the core would count it. */
function sized(i: number, sizeBytes: number, timestamp?: number): StoredTrace {
  return { ...storedTrace(i, timestamp), sizeBytes };
}

const bytesOf = (records: readonly StoredTrace[]): number => records.reduce((sum, r) => sum + r.sizeBytes, 0);

/** What is stored, read back, against what the totals say. */
async function storedBytes(backend: StorageBackend): Promise<{ read: number; stats: number; count: number }> {
  const [{ records }, stats] = [await backend.readAll(), await backend.stats()];
  return { read: bytesOf(records), stats: stats.bytes, count: stats.count };
}

/**
 * The byte cap (`maxBytes`, the third argument of insert): the stored records'
 * `sizeBytes` add up to at most it after every insert, the oldest evicted
 * first in the same step, alone, with the count cap, and with many writers.
 */
export const byteCapCases: ContractCase[] = [
  {
    name: 'the byte cap evicts the oldest of traces of mixed sizes in the same step',
    async run(factory, name) {
      const backend = await factory.open(name);
      const first = [sized(1, 400), sized(2, 100), sized(3, 300), sized(4, 150)];
      deepEqual((await backend.insert(first, 100, 1000)).evicted, [], 'nothing evicted at 950 of 1000 bytes');
      // 950 + 500 = 1450: the oldest go until the rest fit (400 leaves 1050, 100 more leaves 950).
      const big = sized(5, 500);
      const { evicted } = await backend.insert([big], 100, 1000);
      deepEqual(ids(evicted), ids(first.slice(0, 2)), 'the two oldest went, oldest first, no more');
      deepEqual(ids((await backend.readAll()).records), ids([...first.slice(2), big]), 'the newest stay, in order');
      deepEqual(await storedBytes(backend), { read: 950, stats: 950, count: 3 }, 'bytes and count are exact');
      // A small one that fits evicts nothing, though the buffer is near its cap.
      deepEqual((await backend.insert([sized(6, 50)], 100, 1000)).evicted, [], 'exactly at the cap is allowed');
      equal((await backend.stats()).bytes, 1000, 'at the cap');
      await backend.close();
    },
  },
  {
    name: 'one insert larger than the byte cap keeps only the newest that fit, evicting the rest of the batch too',
    async run(factory, name) {
      const backend = await factory.open(name);
      const older = [sized(1, 200), sized(2, 200)];
      await backend.insert(older, 100, 1000);
      const batch = [sized(3, 300), sized(4, 300), sized(5, 300), sized(6, 300)];
      const { evicted } = await backend.insert(batch, 100, 1000);
      deepEqual(ids(evicted), ids([...older, batch[0]!]), 'the older records, then the oldest of the batch');
      deepEqual(ids((await backend.readAll()).records), ids(batch.slice(1)), 'the three newest stay');
      deepEqual(await storedBytes(backend), { read: 900, stats: 900, count: 3 }, 'and are counted');
      await backend.close();
    },
  },
  {
    name: 'the byte cap and the count cap hold together: whichever is reached evicts',
    async run(factory, name) {
      const backend = await factory.open(name);
      const small = [1, 2, 3, 4].map((i) => sized(i, 10));
      await backend.insert(small, 4, 1000);
      // The count cap binds: one more small record evicts one.
      const fifth = sized(5, 10);
      deepEqual(ids((await backend.insert([fifth], 4, 1000)).evicted), ids(small.slice(0, 1)), 'count cap');
      // The byte cap binds: 40 + 995 > 1000 though the count cap alone would evict one only.
      const large = sized(6, 995);
      const { evicted } = await backend.insert([large], 4, 1000);
      deepEqual(ids(evicted), ids([...small.slice(1), fifth]), 'byte cap: every older record went');
      deepEqual(ids((await backend.readAll()).records), ids([large]), 'the large one stays alone');
      deepEqual(await storedBytes(backend), { read: 995, stats: 995, count: 1 }, 'totals');
      // Without a byte cap (an older caller), only the count cap applies.
      const more = [7, 8, 9].map((i) => sized(i, 900));
      deepEqual((await backend.insert(more, 4)).evicted, [], 'no maxBytes: no byte cap');
      equal((await backend.stats()).bytes, 995 + 2700, 'over 1000 bytes, as asked');
      await backend.close();
    },
  },
  {
    name: 'the byte cap holds exactly when many inserts of mixed sizes race',
    async run(factory, name) {
      const backend = await factory.open(name);
      const batches = Array.from({ length: 30 }, (_, b) =>
        Array.from({ length: 5 }, (_, i) => sized(b * 5 + i, 50 + ((b * 5 + i) % 7) * 60)),
      );
      const results = await Promise.all(batches.map((batch) => backend.insert(batch, 10_000, 5_000)));
      const all = batches.flat();
      const { records } = await backend.readAll();
      const kept = bytesOf(records);
      ok(kept <= 5_000, `the byte cap holds: ${kept} bytes of 5000`);
      // The kept ones are the newest, and one older record more would not have fit.
      const firstKept = all.length - records.length;
      deepEqual(ids(records), ids(all.slice(firstKept)), 'the newest remain, in order');
      ok(kept + all[firstKept - 1]!.sizeBytes > 5_000, 'no more was evicted than needed');
      equal(
        results.reduce((sum, r) => sum + r.evicted.length, 0),
        firstKept,
        'every eviction reported once',
      );
      deepEqual(await storedBytes(backend), { read: kept, stats: kept, count: records.length }, 'totals agree');
      await backend.close();
    },
  },
  {
    name: 'instances on one store writing traces of mixed sizes keep the byte cap together',
    needs: 'shared',
    async run(factory, name) {
      const writers = await Promise.all([factory.open(name), factory.open(name), factory.open(name)]);
      const inserts = Array.from({ length: 36 }, (_, i) =>
        writers[i % 3]!.insert(
          Array.from({ length: 4 }, (_, j) => sized(i * 4 + j, 40 + ((i * 4 + j) % 5) * 110)),
          10_000,
          4_000,
        ),
      );
      const evicted = (await Promise.all(inserts)).flatMap((r) => r.evicted);
      const { records } = await writers[1].readAll();
      const kept = bytesOf(records);
      ok(kept <= 4_000, `the byte cap holds across instances: ${kept} bytes of 4000`);
      ok(kept > 4_000 - 480, `no more was evicted than one record's worth: ${kept} bytes kept`);
      equal(new Set([...ids(evicted), ...ids(records)]).size, 144, 'each record is kept or reported evicted');
      equal(evicted.length + records.length, 144, 'and only once');
      // Not "the evicted are older than the kept": instances commit in an
      // order of their own, and an older batch that arrives late and fits is kept.
      for (const writer of writers) equal((await writer.stats()).bytes, kept, 'every instance sees the same bytes');
      await Promise.all(writers.map((writer) => writer.close()));
    },
  },
];
