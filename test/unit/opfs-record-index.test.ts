// The OPFS backend's in-memory index, in Node: age order kept lazily (appends
// in order stay sorted, anything else sorts once on read), and the byte total.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAge, type StoredTrace } from '../../src/backend.js';
import { RecordIndex } from '../../src/backends/opfs/record-index.js';
import { storedTrace } from '../contract/fixtures.js';

/** A record of age `timestamp` (seq 0) and `sizeBytes`, with id `id`. */
const record = (id: string, timestamp: number, sizeBytes = 100): StoredTrace => ({
  ...storedTrace(0, timestamp, 0),
  id,
  sizeBytes,
});

const put = (index: RecordIndex, ...records: StoredTrace[]): void => {
  for (const r of records) index.put(r, JSON.stringify(r));
};
const order = (index: RecordIndex): string[] => [...index.ordered().keys()];

describe('RecordIndex', () => {
  it('keeps records put in age order in that order', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('b', 2), record('c', 2), record('d', 5));
    expect(order(index)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('orders records put out of order by timestamp, then seq, then id', () => {
    const index = new RecordIndex();
    const late = { ...record('x', 3), seq: 9 };
    put(index, record('c', 3), record('a', 1), late, record('b', 3), record('z', 2));
    expect(order(index)).toEqual(['a', 'z', 'b', 'c', 'x']);
  });

  it('places a record younger than the first but older than the last (the tail follows appends)', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('c', 3), record('b', 2));
    expect(order(index)).toEqual(['a', 'b', 'c']);
  });

  it('after sorting, the tail is the youngest record', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('c', 3), record('b', 2));
    expect(order(index)).toEqual(['a', 'b', 'c']);
    put(index, record('d', 2.5));
    expect(order(index)).toEqual(['a', 'b', 'd', 'c']);
    put(index, record('e', 4));
    expect(order(index)).toEqual(['a', 'b', 'd', 'c', 'e']);
  });

  it('after the youngest record is deleted, a record put keeps its place', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('b', 2), record('c', 3));
    index.del('c');
    put(index, record('d', 1.5));
    expect(order(index)).toEqual(['a', 'd', 'b']);
  });

  it('appends in age order never sort again, even after the index was emptied', () => {
    // Sorting builds a new map: the same map back means no sort ran (the point of the lazy order).
    const index = new RecordIndex();
    put(index, record('a', 1));
    const sorted = index.ordered();
    put(index, record('b', 2), record('c', 2), { ...record('d', 2), seq: 1 });
    expect(index.ordered()).toBe(sorted);
    index.del('a');
    put(index, record('e', 3));
    expect(index.ordered()).toBe(sorted);
    for (const id of index.ids()) index.del(id);
    put(index, record('f', 0));
    expect(index.ordered()).toBe(sorted);
    put(index, record('g', -1));
    expect(index.ordered()).not.toBe(sorted);
  });

  it('an emptied index starts over in order', () => {
    const index = new RecordIndex();
    put(index, record('b', 2), record('a', 1));
    index.del('a');
    index.del('b');
    put(index, record('d', 4), record('c', 3));
    expect(order(index)).toEqual(['c', 'd']);
  });

  it('a replaced record keeps its place when its age is the same, and moves when it changed', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('b', 2), record('c', 3));
    put(index, { ...record('a', 1), attempts: 4 });
    expect(order(index)).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(index.ordered().get('a')!.json)).toMatchObject({ attempts: 4 });
    put(index, record('a', 5));
    expect(order(index)).toEqual(['b', 'c', 'a']);
    put(index, record('a', 0));
    expect(order(index)).toEqual(['a', 'b', 'c']);
  });

  it('replacing the youngest record with an older age reorders it', () => {
    const index = new RecordIndex();
    put(index, record('a', 1), record('b', 3));
    put(index, record('b', 0));
    expect(order(index)).toEqual(['b', 'a']);
    put(index, record('c', 2));
    expect(order(index)).toEqual(['b', 'a', 'c']);
  });

  it('sums sizeBytes over puts, replacements and deletions', () => {
    const index = new RecordIndex();
    put(index, record('a', 1, 10), record('b', 2, 20), record('c', 3, 30));
    expect(index.bytes).toBe(60);
    put(index, record('b', 2, 25));
    expect(index.bytes).toBe(65);
    expect(index.del('a')?.sizeBytes).toBe(10);
    expect(index.bytes).toBe(55);
    expect(index.del('a')).toBeUndefined();
    expect(index.bytes).toBe(55);
    expect(index.size).toBe(2);
    index.clear();
    expect([index.bytes, index.size, order(index)]).toEqual([0, 0, []]);
  });

  it('keeps each record as its JSON with its age and trace id', () => {
    const index = new RecordIndex();
    const r = record('a', 7, 42);
    index.put(r, JSON.stringify(r));
    expect(index.ordered().get('a')).toEqual({
      id: 'a',
      timestamp: 7,
      seq: 0,
      sizeBytes: 42,
      traceId: r.traceId,
      json: JSON.stringify(r),
    });
    expect([index.has('a'), index.has('b'), index.ids()]).toEqual([true, false, ['a']]);
  });

  it('lets a caller delete while it walks the age order (eviction does)', () => {
    const index = new RecordIndex();
    put(index, record('c', 3), record('a', 1), record('d', 4), record('b', 2));
    for (const [id] of index.ordered()) {
      if (index.size <= 2) break;
      index.del(id);
    }
    expect(order(index)).toEqual(['c', 'd']);
  });

  it('applies a frame: records put, then ids deleted', () => {
    const index = new RecordIndex();
    const [a, b] = [record('a', 1, 10), record('b', 2, 20)];
    put(index, record('old', 0, 5));
    index.apply({ p: [b, a], d: ['old', 'missing'] });
    expect(order(index)).toEqual(['a', 'b']);
    expect(index.bytes).toBe(30);
    expect(index.ordered().get('b')!.json).toBe(JSON.stringify(b));
    index.apply({ d: ['a'] });
    index.apply({ r: 2 });
    expect(order(index)).toEqual(['b']);
  });

  it('matches a plain sorted model over any sequence of puts and deletions', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
        timestamp: fc.integer({ min: 0, max: 5 }),
        seq: fc.integer({ min: 0, max: 2 }),
        size: fc.integer({ min: 0, max: 1000 }),
      }),
      fc.record({ kind: fc.constant('del' as const), id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
      fc.record({ kind: fc.constant('read' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const index = new RecordIndex();
        const model = new Map<string, StoredTrace>();
        for (const step of ops) {
          if (step.kind === 'put') {
            const r = { ...record(step.id, step.timestamp, step.size), seq: step.seq };
            index.put(r, JSON.stringify(r));
            model.set(r.id, r);
          } else if (step.kind === 'del') {
            index.del(step.id);
            model.delete(step.id);
          } else {
            order(index);
          }
        }
        const expected = [...model.values()].sort(compareAge).map((r) => r.id);
        expect(order(index)).toEqual(expected);
        expect(index.bytes).toBe([...model.values()].reduce((sum, r) => sum + r.sizeBytes, 0));
        expect(index.size).toBe(model.size);
      }),
      { numRuns: 500 },
    );
  });
});
