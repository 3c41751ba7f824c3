import { TraceBufferError } from '../../core/errors.js';
import { logFileOf, logGeneration, logName } from './directory.js';
import { decodeFrame, encodeFrame, HEADER_BYTES, headerBytes, isLogHeader, nextValidFrame } from './frame-codec.js';
import type { RecordIndex } from './record-index.js';
import type { SetAside } from './set-aside.js';
import { withHandle, type SyncAccessHandle, type SyncFileHandle } from './sync-handle.js';

/**
 * The current log file and how much of it the in-memory index has read.
 * Records live in memory, rebuilt on open from the log; each step first reads
 * the frames other workers appended since the last known length.
 */
export class LogFile {
  readonly #index: RecordIndex;
  readonly #setAside: SetAside;
  #generation = 0;
  #file: SyncFileHandle | undefined;
  /** The index is valid up to this byte of log `#generation`. */
  #knownLength = 0;

  constructor(index: RecordIndex, setAside: SetAside) {
    this.#index = index;
    this.#setAside = setAside;
  }

  get generation(): number {
    return this.#generation;
  }

  /** The log in use; undefined until found, and after a failure or a replaced log. */
  get file(): SyncFileHandle | undefined {
    return this.#file;
  }

  get knownLength(): number {
    return this.#knownLength;
  }

  /** Makes the next step find the log again and rebuild the index from it. */
  forget(): void {
    this.#file = undefined;
  }

  /** After compaction: `file` is log `generation`, already read up to `length`. */
  moveTo(generation: number, file: SyncFileHandle, length: number): void {
    this.#generation = generation;
    this.#file = file;
    this.#knownLength = length;
  }

  /**
   * Finds the newest sealed log, removes logs it replaced and unsealed ones (a
   * compaction that crashed), and creates the first log if there is none.
   * Empties the index: `catchUp` then reads the log from its start.
   */
  async find(folder: FileSystemDirectoryHandle): Promise<SyncFileHandle> {
    const names: string[] = [];
    for await (const name of folder.keys()) names.push(name);
    this.#setAside.rebuild(names);
    const logs: number[] = [];
    for (const name of names) {
      const n = logGeneration(name);
      if (n !== undefined) logs.push(n);
    }
    logs.sort((a, b) => b - a);
    let chosen = 0;
    for (const n of logs) {
      if (chosen === 0 && (await isSealed(folder, n))) chosen = n;
      else await folder.removeEntry(logName(n));
    }
    if (chosen === 0) {
      chosen = (logs[0] ?? 0) + 1;
      await withHandle(await logFileOf(folder, chosen, true), (handle) => {
        handle.truncate(0);
        handle.write(headerBytes(), { at: 0 });
        handle.flush();
      });
    }
    const file = await logFileOf(folder, chosen, false);
    this.moveTo(chosen, file, HEADER_BYTES);
    this.#index.clear();
    return file;
  }

  /**
   * Reads frames appended since the known length into the index; sets aside
   * what does not decode. False if this log was retired (read the new one).
   */
  async catchUp(folder: FileSystemDirectoryHandle, handle: SyncAccessHandle): Promise<boolean> {
    const known = this.#knownLength;
    const size = handle.getSize();
    // Only whole frames are ever known and only torn bytes past them are ever
    // cut, so a live log never shrinks below what we know: this one was
    // retired. Chromium still opens a handle on a removed file, whose size
    // reads as 2^64 - 1, hence the safe-integer check.
    if (!Number.isSafeInteger(size) || size < known) return false;
    if (size === known) return true;
    const data = new Uint8Array(size - known);
    handle.read(data, { at: known });
    const view = new DataView(data.buffer);
    let offset = 0;
    while (offset < data.length) {
      const frame = decodeFrame(data, view, offset);
      if (frame.ok) {
        if (frame.value.r !== undefined) return false; // retired: another worker compacted
        this.#index.apply(frame.value);
        offset = frame.next;
        continue;
      }
      // Unreadable from here: skip to the next frame that checks out, or to the end.
      const resume = nextValidFrame(data, view, offset + 1);
      const start = known + offset;
      const end = resume === -1 ? data.length : resume;
      await this.#setAside.add(folder, data.subarray(offset, end), this.#generation, start, frame.reason);
      if (resume === -1) {
        // A torn tail (a worker killed mid-write): cut it so later appends follow good frames.
        handle.truncate(start);
        handle.flush();
        this.#knownLength = start;
        return true;
      }
      offset = resume;
    }
    this.#knownLength = size;
    return true;
  }

  /** Appends one frame and flushes it: one step, one write. */
  append(handle: SyncAccessHandle, frameJson: string): void {
    const encoded = encodeFrame(frameJson);
    const at = this.#knownLength;
    const written = handle.write(encoded, { at });
    if (written !== encoded.length) {
      handle.truncate(at);
      throw new TraceBufferError('STORAGE_FAILED', `OPFS wrote ${written} of ${encoded.length} bytes.`);
    }
    handle.flush();
    this.#knownLength = at + encoded.length;
  }
}

async function isSealed(folder: FileSystemDirectoryHandle, generation: number): Promise<boolean> {
  return withHandle(await logFileOf(folder, generation, false), (handle) => {
    const size = handle.getSize();
    if (!Number.isSafeInteger(size) || size < HEADER_BYTES) return false;
    const header = new Uint8Array(HEADER_BYTES);
    handle.read(header, { at: 0 });
    return isLogHeader(header);
  });
}
