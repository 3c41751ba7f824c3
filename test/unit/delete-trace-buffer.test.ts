import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  createTraceBuffer,
  deleteTraceBuffer,
  isTraceBufferError,
  TraceBufferOptionError,
  type BufferEvent,
} from '../../src/index.js';
import { databaseNameFor } from '../../src/backend.js';

const unique = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 9)}`;

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('deleteTraceBuffer', () => {
  it('memory: empties every memory buffer of the name in this realm, which hears cleared and keeps new stores', async () => {
    const name = unique('mem');
    const events: BufferEvent[] = [];
    const buffer = createTraceBuffer({ name, storage: 'memory', onEvent: (event) => events.push(event) });
    const other = createTraceBuffer({ name: unique('other'), storage: 'memory' });
    await buffer.storeTrace({ inferenceId: 'a' });
    await other.storeTrace({ inferenceId: 'kept' });
    const result = await deleteTraceBuffer(name);
    expect(result).toEqual({ name, removed: [{ kind: 'memory', store: name }] });
    expect(await buffer.getBufferedTraces()).toEqual([]);
    expect((await other.getBufferedTraces()).length).toBe(1);
    await until(() => events.some((e) => e.type === 'cleared'));
    expect(events).toContainEqual({ type: 'cleared', count: null, deleted: true, remote: true });
    await buffer.storeTrace({ inferenceId: 'after' });
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual(['after']);
    await buffer.close();
    await other.close();
    expect((await deleteTraceBuffer(name)).removed).toEqual([]);
  });

  it('IndexedDB: deletes the database while a buffer holds it open, and that buffer goes on empty', async () => {
    const name = unique('idb');
    const buffer = createTraceBuffer({ name, storage: 'indexeddb' });
    await buffer.storeTrace({ inferenceId: 'before' });
    const result = await deleteTraceBuffer(name);
    expect(result.removed).toEqual([{ kind: 'indexeddb', store: databaseNameFor(name) }]);
    expect(await buffer.getBufferedTraces()).toEqual([]);
    await buffer.storeTrace({ inferenceId: 'after' });
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual(['after']);
    await buffer.close();
  });

  it('IndexedDB: a connection that never closes makes it reject with DELETE_BLOCKED', async () => {
    const name = unique('blocked');
    const stubborn = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(databaseNameFor(name), 1);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('open failed'));
    });
    const error = await deleteTraceBuffer(name, { blockedTimeoutMs: 50 }).catch((e: unknown) => e);
    expect(isTraceBufferError(error, 'DELETE_BLOCKED')).toBe(true);
    stubborn.close();
  });

  it('bad arguments throw at once, at the call (not as a rejection)', () => {
    expect(() => deleteTraceBuffer('a~b')).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    const badTimeout = () => deleteTraceBuffer('ok', { blockedTimeoutMs: -1 });
    expect(badTimeout).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => deleteTraceBuffer('ok', 'fast' as never)).toThrow(TraceBufferOptionError);
  });
});
