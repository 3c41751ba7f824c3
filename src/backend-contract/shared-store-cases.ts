import type { StoredTrace } from '../core/record.js';
import type { ContractCase } from './contract-case.js';
import { deepEqual, equal } from './check.js';
import { ids, storedTrace } from './records.js';

/**
 * Cases for backends whose instances share one store (two tabs on one
 * database): the cap and the totals hold across them, though each instance's
 * view of the totals may be stale.
 */
export const sharedStoreCases: ContractCase[] = [
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
];
