// A durable StorageBackend for edge runtimes, over an ordered key-value store
// shaped like a Cloudflare Durable Object's `ctx.storage` (get, put of many
// entries, delete of many keys, list by prefix from a start key, in key order).
// Deno KV or any store with ordered keys fits the same way. The README's
// "Runtimes" section shows it; test/unit/ordered-kv-backend.test.ts runs the
// backend contract suite on it.
import {
  decodeStoredTrace,
  type AgeCursor,
  type CorruptRecord,
  type EvictedTrace,
  type StorageBackend,
  type StoredTrace,
} from 'offline-trace-buffer/backend';

/** The part of `DurableObjectStorage` used here. */
export interface OrderedKv {
  get<T>(key: string): Promise<T | undefined>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T>(options: { prefix: string; start?: string; limit?: number }): Promise<Map<string, T>>;
}

/**
 * Records live under `t:<timestamp>:<seq>:<id>`, zero-padded so key order is
 * age order, and `i:<id>` points at that key. Each method takes several
 * storage calls, so they run one after another: the contract requires each to
 * be one atomic step, and two requests to one Durable Object interleave at
 * every await.
 */
export function orderedKvBackend(kv: OrderedKv, prefix = 'traces'): StorageBackend {
  let queue: Promise<unknown> = Promise.resolve();
  const step = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run);
    queue = next.catch(() => undefined); // the caller gets the error; the next step still runs
    return next;
  };
  const recordKey = (at: AgeCursor) =>
    `${prefix}:t:${String(at.timestamp).padStart(16, '0')}:${String(at.seq).padStart(12, '0')}:${at.id}`;
  const indexKey = (id: string) => `${prefix}:i:${id}`;

  async function read(limit?: number, after?: AgeCursor) {
    const start = after ? `${recordKey(after)}\u0000` : undefined;
    const entries = await kv.list<unknown>({
      prefix: `${prefix}:t:`,
      ...(start && { start }),
      ...(limit && { limit }),
    });
    const records: StoredTrace[] = [];
    const corrupt: CorruptRecord[] = [];
    for (const [key, value] of entries) {
      const decoded = decodeStoredTrace(value);
      if ('problem' in decoded) corrupt.push({ key, reason: decoded.problem });
      else records.push(decoded);
    }
    return { records, corrupt };
  }

  async function remove(ids: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const id of ids) {
      const key = await kv.get<string>(indexKey(id));
      if (key === undefined) continue;
      await kv.delete([key, indexKey(id)]);
      removed.push(id);
    }
    return removed;
  }

  return {
    kind: 'durable-object',
    insert: (batch, maxSize, maxBytes = Infinity) =>
      step(async () => {
        await remove(batch.map((record) => record.id)); // a record stored again replaces the old one
        const entries: Record<string, unknown> = {};
        for (const record of batch) {
          entries[recordKey(record)] = record;
          entries[indexKey(record.id)] = recordKey(record);
        }
        await kv.put(entries);
        const { records } = await read();
        let bytes = records.reduce((sum, record) => sum + record.sizeBytes, 0);
        const evicted: EvictedTrace[] = [];
        for (const { id, traceId, timestamp, sizeBytes } of records) {
          if (records.length - evicted.length <= maxSize && bytes <= maxBytes) break;
          evicted.push({ id, traceId, timestamp });
          bytes -= sizeBytes;
        }
        await remove(evicted.map((trace) => trace.id));
        return { evicted };
      }),
    readOldest: (limit, after) => step(() => read(limit, after)),
    readAll: () => step(() => read()),
    remove: (ids) => step(() => remove(ids)),
    update: (batch) =>
      step(async () => {
        const updated: string[] = [];
        for (const record of batch) {
          if ((await kv.get(indexKey(record.id))) === undefined) continue;
          await kv.put({ [recordKey(record)]: record });
          updated.push(record.id);
        }
        return updated;
      }),
    stats: () =>
      step(async () => {
        const { records } = await read();
        return {
          count: records.length,
          bytes: records.reduce((sum, record) => sum + record.sizeBytes, 0),
          oldest: records[0]?.timestamp ?? null,
          newest: records.at(-1)?.timestamp ?? null,
        };
      }),
    clear: () =>
      step(async () => {
        const keys = [...(await kv.list({ prefix: `${prefix}:` })).keys()];
        await kv.delete(keys);
        return keys.filter((key) => key.startsWith(`${prefix}:t:`)).length;
      }),
    close: () => Promise.resolve(),
  };
}
