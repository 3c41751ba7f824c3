import type { AgeCursor, BackendStats, EvictedTrace, ReadResult, StorageBackend } from '../../core/storage-backend.js';
import { compareAge, type StoredTrace } from '../../core/record.js';
import { StepRunner, type Step } from './atomic-step.js';
import { maybeCompact } from './compaction.js';
import { framePuts } from './frame-codec.js';
import { parseRecordJson, recordToJson } from './record-json.js';
import type { Entry } from './record-index.js';

/**
 * The storage backend on the Origin Private File System, and the only folder
 * of this package that touches OPFS (loaded only where OPFS is chosen).
 *
 * Why a log and not a file per trace: one store step is then one write and one
 * flush, whatever its size. The pieces: `frame-codec.ts` (the byte format),
 * `record-index.ts` (the records in memory), `log-file.ts` (finding, reading
 * and appending to the log), `set-aside.ts` (bytes that do not decode),
 * `compaction.ts`, and `atomic-step.ts` (the Web Lock and handle around each step).
 */

export interface OpfsBackendOptions {
  /** The buffer's name: one directory per buffer. */
  name: string;
}

export function opfsBackend(options: OpfsBackendOptions): StorageBackend & { open(): Promise<void> } {
  const steps = new StepRunner(options.name);
  return {
    kind: 'opfs',
    async open() {
      await steps.run('opening OPFS', () => undefined);
    },
    insert(batch, maxSize, maxBytes = Infinity) {
      return steps.run('storing traces', (step) => insertRecords(step, batch, maxSize, maxBytes));
    },
    readOldest(limit: number, after?: AgeCursor) {
      return steps.run('reading traces', (step) => readOldest(step, limit, after));
    },
    readAll() {
      return steps.run('reading traces', readAll);
    },
    remove(ids) {
      return steps.run('removing traces', (step) => removeRecords(step, ids));
    },
    update(batch) {
      return steps.run('updating traces', (step) => updateRecords(step, batch));
    },
    stats() {
      return steps.run('reading the buffer status', stats);
    },
    clear() {
      return steps.run('clearing the buffer', clearAll);
    },
    close() {
      steps.close();
      return Promise.resolve();
    },
  };
}

async function insertRecords(
  step: Step,
  batch: readonly StoredTrace[],
  maxSize: number,
  maxBytes: number,
): Promise<{ evicted: EvictedTrace[] }> {
  const { index, setAside } = step;
  const jsons = batch.map(recordToJson);
  batch.forEach((record, i) => index.put(record, jsons[i]!));
  const evicted: EvictedTrace[] = [];
  // Set-aside records count against the cap as IndexedDB's unreadable
  // ones do, and like those (which have no age) go after every readable one.
  // They have no known size, so only the count cap removes them.
  for (const [id, record] of index.ordered()) {
    if (index.size + setAside.size <= maxSize && index.bytes <= maxBytes) break;
    index.del(id);
    evicted.push({ id, traceId: record.traceId, timestamp: record.timestamp });
  }
  for (const name of setAside.names().sort()) {
    if (index.size + setAside.size <= maxSize) break;
    // Before the append: if it fails, only unreadable bytes were lost.
    await setAside.remove(step.folder, name);
    evicted.push({ id: name, traceId: name, timestamp: 0 });
  }
  const evictedIds = new Set(evicted.map((e) => e.id));
  const kept = jsons.filter((_, k) => !evictedIds.has(batch[k]!.id));
  // Records evicted in this very step never reach the disk; older ones are deleted.
  const batchIds = new Set(batch.map((record) => record.id));
  const deleted = evicted.filter((e) => !batchIds.has(e.id)).map((e) => e.id);
  if (kept.length > 0 || deleted.length > 0) step.log.append(step.handle, framePuts(kept, deleted));
  await maybeCompact(step.log, index, step.folder, step.handle);
  return { evicted };
}

function readOldest(step: Step, limit: number, after?: AgeCursor): ReadResult {
  const out: StoredTrace[] = [];
  for (const record of step.index.ordered().values()) {
    if (out.length >= limit) break;
    if (after && compareAge(record, after) <= 0) continue;
    out.push(parseRecordJson(record.json));
  }
  return { records: out, corrupt: step.setAside.list() };
}

function readAll(step: Step): ReadResult {
  return {
    records: [...step.index.ordered().values()].map((record) => parseRecordJson(record.json)),
    corrupt: step.setAside.list(),
  };
}

async function removeRecords(step: Step, ids: readonly string[]): Promise<string[]> {
  const { index, setAside } = step;
  const removed = ids.filter((id) => index.has(id));
  for (const id of ids) {
    if (setAside.has(id) && (await setAside.remove(step.folder, id))) removed.push(id);
  }
  const fromLog = removed.filter((id) => index.has(id));
  if (fromLog.length === 0) return removed;
  step.log.append(step.handle, framePuts([], fromLog));
  for (const id of fromLog) index.del(id);
  await maybeCompact(step.log, index, step.folder, step.handle);
  return removed;
}

function updateRecords(step: Step, batch: readonly StoredTrace[]): string[] {
  const present = batch.filter((record) => step.index.has(record.id));
  if (present.length === 0) return [];
  const jsons = present.map(recordToJson);
  step.log.append(step.handle, framePuts(jsons));
  present.forEach((record, i) => step.index.put(record, jsons[i]!));
  return present.map((record) => record.id);
}

function stats(step: Step): BackendStats {
  let oldest: Entry | undefined;
  let newest: Entry | undefined;
  for (const record of step.index.ordered().values()) {
    oldest ??= record;
    newest = record;
  }
  return {
    // Set-aside records count until removed or cleared, as in IndexedDB.
    count: step.index.size + step.setAside.size,
    bytes: step.index.bytes,
    oldest: oldest?.timestamp ?? null,
    newest: newest?.timestamp ?? null,
  };
}

async function clearAll(step: Step): Promise<number> {
  const { index, setAside } = step;
  let removed = index.size;
  for (const name of setAside.names()) if (await setAside.remove(step.folder, name)) removed++;
  for (const id of index.ids()) index.del(id);
  await maybeCompact(step.log, index, step.folder, step.handle, true);
  return removed;
}
