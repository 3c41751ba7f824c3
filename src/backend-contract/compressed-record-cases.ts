import type { StoredTrace } from '../core/record.js';
import type { ContractCase } from './contract-case.js';
import { deepEqual, equal, ok } from './check.js';
import { bodyOf, compressedStoredTrace, ids, storedTrace } from './records.js';

/**
 * Cases for records that hold a compressed trace (`traceGzip`, bytes): a
 * backend must keep the bytes exactly, give them back as a `Uint8Array`, and
 * count the record at its `sizeBytes` (the stored size), like any other.
 */
export const compressedRecordCases: ContractCase[] = [
  {
    name: 'a compressed record keeps its bytes exactly through insert, reads and update, beside text records',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = [storedTrace(1, 40_001), compressedStoredTrace(2, 40_002), storedTrace(3, 40_003)];
      await backend.insert(records, 10);
      checkRead((await backend.readAll()).records, records, 'readAll');
      checkRead((await backend.readOldest(2, records[0])).records, records.slice(1), 'readOldest');
      const lease = { owner: 'replayer', expiresAt: 1 };
      deepEqual(await backend.update([{ ...records[1]!, attempts: 2, lease }]), [records[1]!.id], 'updated');
      const [read] = (await backend.readOldest(1, records[0])).records;
      equal(read?.attempts, 2, 'the update is stored');
      deepEqual(bodyOf(read), bodyOf(records[1]), 'and the bytes are still exact after it');
      await backend.close();
    },
  },
  {
    name: 'compressed records count at their stored size (sizeBytes), not their original size',
    async run(factory, name) {
      const backend = await factory.open(name);
      const records = [compressedStoredTrace(1, 41_001), storedTrace(2, 41_002), compressedStoredTrace(3, 41_003)];
      await backend.insert(records, 10);
      const stored = records.reduce((sum, record) => sum + record.sizeBytes, 0);
      equal((await backend.stats()).bytes, stored, 'bytes are the sum of sizeBytes');
      ok(records[0]!.originalBytes! > records[0]!.sizeBytes, 'the fixture is smaller stored than original');
      await backend.remove([records[0]!.id]);
      equal((await backend.stats()).bytes, stored - records[0]!.sizeBytes, 'a removal takes off its stored size');
      const { evicted } = await backend.insert([storedTrace(4, 41_004)], 2);
      deepEqual(ids(evicted), [records[1]!.id], 'the cap evicts by age, compressed or not');
      equal((await backend.stats()).bytes, records[2]!.sizeBytes + storedTrace(4).sizeBytes, 'bytes after eviction');
      await backend.close();
    },
  },
  {
    name: 'compressed records survive close and reopen, bytes exact, beside text records',
    needs: 'persistent',
    async run(factory, name) {
      const first = await factory.open(name);
      const records = [compressedStoredTrace(1, 42_001), storedTrace(2, 42_002)];
      await first.insert(records, 10);
      await first.close();
      const second = await factory.open(name);
      const { records: read, corrupt } = await second.readAll();
      deepEqual(corrupt, [], 'nothing is unreadable');
      checkRead(read, records, 'after reopening');
      equal((await second.stats()).bytes, records[0]!.sizeBytes + records[1]!.sizeBytes, 'bytes after reopening');
      await second.close();
    },
  },
];

function checkRead(read: StoredTrace[], expected: StoredTrace[], what: string): void {
  deepEqual(ids(read), ids(expected), `${what}: the records, oldest first`);
  read.forEach((record, i) => {
    const want = expected[i]!;
    if (want.traceGzip) {
      equal(
        Object.prototype.toString.call(record.traceGzip),
        '[object Uint8Array]',
        `${what}: bytes come back as bytes`,
      );
      deepEqual(bodyOf(record), bodyOf(want), `${what}: every byte kept`);
      equal(record.traceJson, undefined, `${what}: no text beside the bytes`);
      equal(record.originalBytes, want.originalBytes, `${what}: originalBytes kept`);
    } else {
      equal(record.traceJson, want.traceJson, `${what}: a text record keeps its text`);
    }
    equal(record.sizeBytes, want.sizeBytes, `${what}: sizeBytes kept`);
  });
}
