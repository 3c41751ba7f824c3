import type { StoredTrace } from '../core/record.js';
import type { ContractCase } from './contract-case.js';
import { deepEqual, equal } from './check.js';
import { ids, legacyStoredTrace, storedTrace } from './records.js';

/**
 * Cases for backends that keep records across close and reopen: the 0.1.0
 * layout reads back, and records that no longer decode are counted, reported
 * and removable.
 */
export const durableStoreCases: ContractCase[] = [
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
        records.map((r) => [r.id, r.traceId, JSON.parse(r.traceJson!) as unknown, JSON.parse(r.configJson) as unknown]),
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
