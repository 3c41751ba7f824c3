import type {
  AgeCursor,
  BackendStats,
  EvictedTrace,
  InsertResult,
  ReadResult,
  StorageBackend,
} from '../core/storage-backend.js';
import { storageError, TraceBufferError } from '../core/errors.js';
import { compareAge, decodeStoredTrace, type CorruptRecord, type StoredTrace } from '../core/record.js';
import { withWebLock } from '../platform/web-lock.js';

/**
 * The only file that touches the Origin Private File System.
 *
 * Layout, under `offline-trace-buffer/<name>/` in the origin's OPFS root:
 * - `log-<generation>`: an append-only log. An 8-byte header ("OTBL", format
 *   version) then frames of `[magic u32][length u32][crc32 u32][JSON payload]`.
 *   One frame is one atomic step of the backend (`{ p: records put, d: ids
 *   deleted }`): a torn write loses the whole step, never half of it.
 * - `corrupt-<generation>-<offset>`: bytes that failed their checksum, set
 *   aside so they are reported (as corrupt records) and never silently lost.
 *
 * Why a log and not a file per trace: one store step is then one write and one
 * flush, whatever its size. Records live in memory as an index rebuilt on open
 * from the log; each step first reads the frames other workers appended since
 * the last known length. Compaction writes the live records to the next
 * generation's file, seals it by writing its header last, and retires the old
 * file: a crash at any point leaves one sealed log that opens whole.
 *
 * Sync access handles are exclusive, so every step holds a Web Lock per buffer
 * (one short step, released in `finally`) and opens, uses and closes the handle
 * inside it. A handle held by someone who ignores the lock makes
 * `createSyncAccessHandle` throw NoModificationAllowedError (livestore#244):
 * the step waits and retries for a while, then fails with STORAGE_FAILED.
 */

export interface OpfsBackendOptions {
  /** The buffer's name: one directory per buffer. */
  name: string;
}

/** The part of the sync access handle used here (dedicated workers only; not in TypeScript's DOM lib). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> };

const ROOT_DIRECTORY = 'offline-trace-buffer';
const LOG_PREFIX = 'log-';
const SET_ASIDE_PREFIX = 'corrupt-';
const FILE_MAGIC = 0x4c42544f; // "OTBL" little-endian
const FILE_FORMAT_VERSION = 1;
const HEADER_BYTES = 8;
const FRAME_MAGIC = 0x4642544f; // "OTBF" little-endian
const FRAME_HEADER_BYTES = 12;
/** Compact once the log is past this size and mostly dead frames. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;
/** Records per frame when compaction rewrites the log (bounds one frame's size). */
const COMPACT_FRAME_RECORDS = 500;
/** Frames up to this many characters are encoded straight into their output buffer. */
const ENCODE_IN_PLACE_MAX_CHARS = 4 * 1024 * 1024;
/** How long a step keeps retrying a handle someone else holds. */
const HANDLE_BUSY_TIMEOUT_MS = 5_000;

/**
 * A record in the in-memory index, kept in its JSON form: the JSON is written
 * to the log anyway, and parsing it on read gives callers their own copy, so
 * no record is cloned on the write path.
 */
interface Entry {
  id: string;
  timestamp: number;
  seq: number;
  sizeBytes: number;
  traceId: string;
  json: string;
}

interface Frame {
  /** Records put (inserted, or replacing a present record). */
  p?: StoredTrace[];
  /** Ids deleted. */
  d?: string[];
  /** Set on a retired log: the generation that replaced it. */
  r?: number;
}

/** Whether this realm can use the backend: OPFS with sync access handles (dedicated workers). */
export function opfsAvailable(): boolean {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage;
  return (
    typeof storage?.getDirectory === 'function' &&
    typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function'
  );
}

export function opfsBackend(options: OpfsBackendOptions): StorageBackend & { open(): Promise<void> } {
  const lockName = `offline-trace-buffer:opfs:${options.name}`;
  let directory: FileSystemDirectoryHandle | undefined;
  let closed = false;

  // The in-memory index, valid up to `knownLength` of log `generation`.
  let generation = 0;
  let logFile: SyncFileHandle | undefined;
  let knownLength = 0;
  let records = new Map<string, Entry>();
  let sorted = true;
  // The last record in map order while `sorted`; undefined when unknown.
  let tail: Entry | undefined;
  let bytes = 0;
  const setAside = new Map<string, string>();

  const resetIndex = (): void => {
    records = new Map();
    sorted = true;
    tail = undefined;
    bytes = 0;
    knownLength = HEADER_BYTES;
  };

  const ordered = (): Map<string, Entry> => {
    if (!sorted) {
      const entries = [...records.entries()].sort(([, a], [, b]) => compareAge(a, b));
      records = new Map(entries);
      tail = entries[entries.length - 1]?.[1];
      sorted = true;
    }
    return records;
  };

  const put = (stored: StoredTrace, json: string): void => {
    const record: Entry = {
      id: stored.id,
      timestamp: stored.timestamp,
      seq: stored.seq,
      sizeBytes: stored.sizeBytes,
      traceId: stored.traceId,
      json,
    };
    const previous = records.get(record.id);
    if (previous) {
      bytes -= previous.sizeBytes;
      // A replaced record keeps its place only if its age did not change.
      if (compareAge(previous, record) !== 0) sorted = false;
      if (previous === tail) tail = record;
    } else if (records.size === 0) {
      tail = record;
      sorted = true;
    } else if (sorted && tail && compareAge(record, tail) >= 0) {
      tail = record;
    } else {
      sorted = false;
    }
    records.set(record.id, record);
    bytes += record.sizeBytes;
  };

  const del = (id: string): Entry | undefined => {
    const record = records.get(id);
    if (!record) return undefined;
    records.delete(id);
    bytes -= record.sizeBytes;
    if (record === tail) tail = undefined;
    return record;
  };

  const apply = (frame: Frame): void => {
    for (const record of frame.p ?? []) put(record, JSON.stringify(record));
    for (const id of frame.d ?? []) del(id);
  };

  const dir = async (): Promise<FileSystemDirectoryHandle> => {
    if (directory) return directory;
    const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
    if (!storage || typeof storage.getDirectory !== 'function' || !opfsAvailable()) {
      throw new TraceBufferError(
        'STORAGE_UNAVAILABLE',
        'OPFS with sync access handles is not available here (it exists only in dedicated workers).',
      );
    }
    try {
      const root = await storage.getDirectory();
      const base = await root.getDirectoryHandle(ROOT_DIRECTORY, { create: true });
      directory = await base.getDirectoryHandle(options.name, { create: true });
      return directory;
    } catch (error) {
      throw new TraceBufferError(
        'STORAGE_UNAVAILABLE',
        `OPFS directory for "${options.name}" cannot be opened (${describeError(error)}).`,
        { cause: error },
      );
    }
  };

  /**
   * Finds the newest sealed log, removes logs it replaced and unsealed ones (a
   * compaction that crashed), and creates the first log if there is none.
   */
  const findLog = async (folder: FileSystemDirectoryHandle): Promise<void> => {
    const logs: number[] = [];
    // Rebuilt from the folder: another worker may have set some aside or removed them.
    const known = new Map(setAside);
    setAside.clear();
    for await (const name of folder.keys()) {
      if (name.startsWith(LOG_PREFIX)) {
        const n = Number(name.slice(LOG_PREFIX.length));
        if (Number.isSafeInteger(n) && n > 0) logs.push(n);
      } else if (name.startsWith(SET_ASIDE_PREFIX)) {
        setAside.set(name, known.get(name) ?? 'unreadable bytes set aside from the log');
      }
    }
    logs.sort((a, b) => b - a);
    let chosen = 0;
    for (const n of logs) {
      if (chosen === 0 && (await isSealed(folder, n))) chosen = n;
      else await folder.removeEntry(`${LOG_PREFIX}${n}`);
    }
    if (chosen === 0) {
      chosen = (logs[0] ?? 0) + 1;
      await withHandle(await fileOf(folder, chosen, true), (handle) => {
        handle.truncate(0);
        handle.write(headerBytes(), { at: 0 });
        handle.flush();
      });
    }
    generation = chosen;
    logFile = await fileOf(folder, chosen, false);
    resetIndex();
  };

  /** Reads frames appended since `knownLength`; sets aside what does not decode. */
  const catchUp = async (folder: FileSystemDirectoryHandle, handle: SyncAccessHandle): Promise<boolean> => {
    const size = handle.getSize();
    // Only whole frames are ever known and only torn bytes past them are ever
    // cut, so a live log never shrinks below what we know: this one was
    // retired. Chromium still opens a handle on a removed file, whose size
    // reads as 2^64 - 1, hence the safe-integer check.
    if (!Number.isSafeInteger(size) || size < knownLength) return false;
    if (size === knownLength) return true;
    const data = new Uint8Array(size - knownLength);
    handle.read(data, { at: knownLength });
    const view = new DataView(data.buffer);
    let offset = 0;
    while (offset < data.length) {
      const frame = decodeFrame(data, view, offset);
      if (frame.ok) {
        if (frame.value.r !== undefined) return false; // retired: another worker compacted
        apply(frame.value);
        offset = frame.next;
        continue;
      }
      // Unreadable from here: skip to the next frame that checks out, or to the end.
      const resume = nextValidFrame(data, view, offset + 1);
      const start = knownLength + offset;
      const end = resume === -1 ? size : knownLength + resume;
      await setAsideBytes(folder, data.subarray(offset, end - knownLength), start, frame.reason);
      if (resume === -1) {
        // A torn tail (a worker killed mid-write): cut it so later appends follow good frames.
        handle.truncate(start);
        handle.flush();
        knownLength = start;
        return true;
      }
      offset = resume;
    }
    knownLength = size;
    return true;
  };

  const setAsideBytes = async (
    folder: FileSystemDirectoryHandle,
    data: Uint8Array,
    at: number,
    reason: string,
  ): Promise<void> => {
    const name = `${SET_ASIDE_PREFIX}${generation}-${at}`;
    if (setAside.has(name)) return;
    await withHandle((await folder.getFileHandle(name, { create: true })) as SyncFileHandle, (handle) => {
      handle.truncate(0);
      handle.write(data, { at: 0 });
      handle.flush();
    });
    setAside.set(name, `${reason} (${data.length} bytes at offset ${at} of ${LOG_PREFIX}${generation})`);
  };

  /**
   * One atomic step: under the buffer's Web Lock, open the log, catch up with
   * other writers, then run `body` with the handle. Every lock and handle is
   * released in `finally`, whatever throws.
   */
  const step = async <T>(action: string, body: (handle: SyncAccessHandle) => T | Promise<T>): Promise<T> => {
    if (closed) throw new TraceBufferError('CLOSED', 'The OPFS backend was closed.');
    try {
      const result = await withWebLock(lockName, async () => {
        const folder = await dir();
        for (let attempt = 0; ; attempt++) {
          if (!logFile) await findLog(folder);
          let handle: SyncAccessHandle;
          try {
            handle = await openHandle(logFile!);
          } catch (error) {
            // Another worker compacted or cleared, and removed the log we knew.
            if (nameOf(error) === 'NotFoundError' && attempt < 3) {
              logFile = undefined;
              continue;
            }
            throw error;
          }
          try {
            if (!(await catchUp(folder, handle))) {
              if (attempt >= 3) throw new Error('the log kept being replaced while it was read');
              logFile = undefined;
              continue;
            }
            return { value: await body(handle) };
          } finally {
            handle.close();
          }
        }
      });
      // withWebLock resolves undefined only for `ifAvailable`, which is not used here.
      return result!.value;
    } catch (error) {
      // The index may be ahead of or behind the file after a failure: rebuild it next step.
      logFile = undefined;
      throw storageError(error, action);
    }
  };

  /** Removes a set-aside file; false if another worker removed it first. */
  const removeSetAside = async (name: string): Promise<boolean> => {
    const folder = await dir();
    try {
      await folder.removeEntry(name);
    } catch (error) {
      if (nameOf(error) !== 'NotFoundError') throw error;
      setAside.delete(name);
      return false;
    }
    setAside.delete(name);
    return true;
  };

  const append = (handle: SyncAccessHandle, frameJson: string): void => {
    const encoded = encodeFrame(frameJson);
    const at = knownLength;
    const written = handle.write(encoded, { at });
    if (written !== encoded.length) {
      handle.truncate(at);
      throw new TraceBufferError('STORAGE_FAILED', `OPFS wrote ${written} of ${encoded.length} bytes.`);
    }
    handle.flush();
    knownLength = at + encoded.length;
  };

  /** Rewrites the live records into the next generation, when mostly dead frames remain. */
  const maybeCompact = async (handle: SyncAccessHandle, force = false): Promise<void> => {
    const liveEstimate = bytes + records.size * 512;
    if (!force && (knownLength < COMPACT_MIN_BYTES || knownLength < 3 * liveEstimate)) return;
    const folder = await dir();
    const next = generation + 1;
    const nextFile = await fileOf(folder, next, true);
    const live = [...ordered().values()];
    await withHandle(nextFile, (fresh) => {
      fresh.truncate(0);
      let at = HEADER_BYTES;
      for (let i = 0; i < live.length; i += COMPACT_FRAME_RECORDS) {
        const encoded = encodeFrame(framePuts(live.slice(i, i + COMPACT_FRAME_RECORDS).map((entry) => entry.json)));
        fresh.write(encoded, { at });
        at += encoded.length;
      }
      fresh.flush();
      // Sealed last: a crash before this line leaves an unsealed file that open removes.
      fresh.write(headerBytes(), { at: 0 });
      fresh.flush();
    });
    // Tell any worker still reading the old log to move on, then drop it.
    append(handle, JSON.stringify({ r: next } satisfies Frame));
    handle.close();
    await folder.removeEntry(`${LOG_PREFIX}${generation}`);
    generation = next;
    logFile = nextFile;
    knownLength = await withHandle(nextFile, (fresh) => fresh.getSize());
  };

  return {
    kind: 'opfs',

    async open() {
      await step('opening OPFS', () => undefined);
    },

    insert(batch, maxSize): Promise<InsertResult> {
      return step('storing traces', async (handle) => {
        const jsons = batch.map((record) => JSON.stringify(record));
        batch.forEach((record, i) => put(record, jsons[i]!));
        const evicted: EvictedTrace[] = [];
        // Set-aside records count against the cap as IndexedDB's unreadable
        // ones do, and like those (which have no age) go after every readable one.
        for (const [id, record] of ordered()) {
          if (records.size + setAside.size <= maxSize) break;
          del(id);
          evicted.push({ id, traceId: record.traceId, timestamp: record.timestamp });
        }
        for (const name of [...setAside.keys()].sort()) {
          if (records.size + setAside.size <= maxSize) break;
          // Before the append: if it fails, only unreadable bytes were lost.
          await removeSetAside(name);
          evicted.push({ id: name, traceId: name, timestamp: 0 });
        }
        const evictedIds = new Set(evicted.map((e) => e.id));
        const kept = jsons.filter((_, k) => !evictedIds.has(batch[k]!.id));
        // Records evicted in this very step never reach the disk; older ones are deleted.
        const batchIds = new Set(batch.map((record) => record.id));
        const deleted = evicted.filter((e) => !batchIds.has(e.id)).map((e) => e.id);
        if (kept.length > 0 || deleted.length > 0) append(handle, framePuts(kept, deleted));
        await maybeCompact(handle);
        return { evicted };
      });
    },

    readOldest(limit: number, after?: AgeCursor): Promise<ReadResult> {
      return step('reading traces', () => {
        const out: StoredTrace[] = [];
        for (const record of ordered().values()) {
          if (out.length >= limit) break;
          if (after && compareAge(record, after) <= 0) continue;
          out.push(JSON.parse(record.json) as StoredTrace);
        }
        return { records: out, corrupt: corruptList() };
      });
    },

    readAll(): Promise<ReadResult> {
      return step('reading traces', () => ({
        records: [...ordered().values()].map((record) => JSON.parse(record.json) as StoredTrace),
        corrupt: corruptList(),
      }));
    },

    remove(ids): Promise<string[]> {
      return step('removing traces', async (handle) => {
        const removed = ids.filter((id) => records.has(id));
        for (const id of ids) {
          if (setAside.has(id) && (await removeSetAside(id))) removed.push(id);
        }
        const fromLog = removed.filter((id) => records.has(id));
        if (fromLog.length === 0) return removed;
        append(handle, framePuts([], fromLog));
        for (const id of fromLog) del(id);
        await maybeCompact(handle);
        return removed;
      });
    },

    update(batch): Promise<string[]> {
      return step('updating traces', (handle) => {
        const present = batch.filter((record) => records.has(record.id));
        if (present.length === 0) return [];
        const jsons = present.map((record) => JSON.stringify(record));
        append(handle, framePuts(jsons));
        present.forEach((record, i) => put(record, jsons[i]!));
        return present.map((record) => record.id);
      });
    },

    stats(): Promise<BackendStats> {
      return step('reading the buffer status', () => {
        let oldest: Entry | undefined;
        let newest: Entry | undefined;
        for (const record of ordered().values()) {
          oldest ??= record;
          newest = record;
        }
        return {
          // Set-aside records count until removed or cleared, as in IndexedDB.
          count: records.size + setAside.size,
          bytes,
          oldest: oldest?.timestamp ?? null,
          newest: newest?.timestamp ?? null,
        };
      });
    },

    clear(): Promise<number> {
      return step('clearing the buffer', async (handle) => {
        let removed = records.size;
        for (const name of [...setAside.keys()]) if (await removeSetAside(name)) removed++;
        for (const id of [...records.keys()]) del(id);
        await maybeCompact(handle, true);
        return removed;
      });
    },

    close() {
      closed = true;
      return Promise.resolve();
    },
  };

  function corruptList(): CorruptRecord[] {
    return [...setAside].map(([key, reason]) => ({ key, reason }));
  }
}

async function fileOf(folder: FileSystemDirectoryHandle, n: number, create: boolean): Promise<SyncFileHandle> {
  return (await folder.getFileHandle(`${LOG_PREFIX}${n}`, { create })) as SyncFileHandle;
}

async function isSealed(folder: FileSystemDirectoryHandle, n: number): Promise<boolean> {
  return withHandle(await fileOf(folder, n, false), (handle) => {
    const size = handle.getSize();
    if (!Number.isSafeInteger(size) || size < HEADER_BYTES) return false;
    const header = new Uint8Array(HEADER_BYTES);
    handle.read(header, { at: 0 });
    const view = new DataView(header.buffer);
    return view.getUint32(0, true) === FILE_MAGIC && view.getUint32(4, true) === FILE_FORMAT_VERSION;
  });
}

/** Opens a sync access handle, runs `body`, and always closes the handle. */
async function withHandle<T>(file: SyncFileHandle, body: (handle: SyncAccessHandle) => T): Promise<T> {
  const handle = await openHandle(file);
  try {
    return body(handle);
  } finally {
    handle.close();
  }
}

/**
 * A sync access handle is exclusive: while someone else holds one (another
 * worker, or code that ignores our lock), creating one throws
 * NoModificationAllowedError. Wait and retry with a growing delay for a bounded time.
 */
async function openHandle(file: SyncFileHandle): Promise<SyncAccessHandle> {
  const started = Date.now();
  for (let delay = 2; ; delay = Math.min(delay * 2, 200)) {
    try {
      return await file.createSyncAccessHandle();
    } catch (error) {
      const busy = nameOf(error) === 'NoModificationAllowedError' || nameOf(error) === 'InvalidStateError';
      if (!busy) throw error;
      if (Date.now() - started > HANDLE_BUSY_TIMEOUT_MS) {
        throw new TraceBufferError(
          'STORAGE_FAILED',
          `The OPFS log "${file.name}" stayed locked by another handle for ${HANDLE_BUSY_TIMEOUT_MS} ms (${describeError(error)}).`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function headerBytes(): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, FILE_MAGIC, true);
  view.setUint32(4, FILE_FORMAT_VERSION, true);
  return header;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A frame's JSON from records already in JSON form (no parse and re-stringify). */
function framePuts(records: string[], deleted: string[] = []): string {
  const puts = records.length > 0 ? `"p":[${records.join(',')}]` : '';
  const deletes = deleted.length > 0 ? `"d":${JSON.stringify(deleted)}` : '';
  return `{${puts}${puts && deletes ? ',' : ''}${deletes}}`;
}

function encodeFrame(json: string): Uint8Array {
  let out: Uint8Array;
  let written: number;
  if (json.length <= ENCODE_IN_PLACE_MAX_CHARS) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode in place, no second copy.
    out = new Uint8Array(FRAME_HEADER_BYTES + json.length * 3);
    written = encoder.encodeInto(json, out.subarray(FRAME_HEADER_BYTES)).written;
  } else {
    // A huge frame: the 3x worst case would cost more memory than the copy.
    const encoded = encoder.encode(json);
    out = new Uint8Array(FRAME_HEADER_BYTES + encoded.length);
    out.set(encoded, FRAME_HEADER_BYTES);
    written = encoded.length;
  }
  const payload = out.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + written);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, written, true);
  view.setUint32(8, crc32(payload), true);
  return out.subarray(0, FRAME_HEADER_BYTES + written);
}

type Decoded = { ok: true; value: Frame; next: number } | { ok: false; reason: string };

function decodeFrame(data: Uint8Array, view: DataView, offset: number): Decoded {
  if (data.length - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'a frame header cut short' };
  if (view.getUint32(offset, true) !== FRAME_MAGIC) return { ok: false, reason: 'no frame marker' };
  const length = view.getUint32(offset + 4, true);
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > data.length) return { ok: false, reason: 'a frame cut short (torn write)' };
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, end);
  if (crc32(payload) !== view.getUint32(offset + 8, true)) return { ok: false, reason: 'checksum mismatch' };
  let frame: Frame;
  try {
    frame = JSON.parse(decoder.decode(payload)) as Frame;
  } catch (error) {
    return { ok: false, reason: `payload does not decode (${describeError(error)})` };
  }
  if (frame.p) {
    const records: StoredTrace[] = [];
    for (const value of frame.p) {
      const record = decodeStoredTrace(value);
      if ('problem' in record) return { ok: false, reason: `a record in the frame is invalid: ${record.problem}` };
      records.push(record);
    }
    frame.p = records;
  }
  return { ok: true, value: frame, next: end };
}

/** The offset of the next frame that decodes, or -1. */
function nextValidFrame(data: Uint8Array, view: DataView, from: number): number {
  for (let offset = from; offset + FRAME_HEADER_BYTES <= data.length; offset++) {
    if (view.getUint32(offset, true) !== FRAME_MAGIC) continue;
    if (decodeFrame(data, view, offset).ok) return offset;
  }
  return -1;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), enough to tell a torn or flipped frame from a whole one. */
function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function nameOf(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
