import { errorName } from '../../core/errors.js';
import type { CorruptRecord } from '../../core/record.js';
import { logName, SET_ASIDE_PREFIX, setAsideName } from './directory.js';
import { withHandle, type SyncFileHandle } from './sync-handle.js';

/**
 * The `corrupt-*` files: log bytes that did not decode, copied out so they are
 * reported as corrupt records (and count against the cap, as IndexedDB's
 * unreadable records do) until removed or cleared, instead of silently lost.
 * Each name maps to the reason it was set aside.
 */
export class SetAside {
  #reasons = new Map<string, string>();

  get size(): number {
    return this.#reasons.size;
  }

  has(name: string): boolean {
    return this.#reasons.has(name);
  }

  names(): string[] {
    return [...this.#reasons.keys()];
  }

  list(): CorruptRecord[] {
    return [...this.#reasons].map(([key, reason]) => ({ key, reason }));
  }

  /**
   * Rebuilds the list from the folder's file names: another worker may have
   * set some aside or removed them. Known reasons are kept.
   */
  rebuild(fileNames: readonly string[]): void {
    const known = new Map(this.#reasons);
    this.#reasons.clear();
    for (const name of fileNames) {
      if (name.startsWith(SET_ASIDE_PREFIX)) {
        this.#reasons.set(name, known.get(name) ?? 'unreadable bytes set aside from the log');
      }
    }
  }

  /** Copies `data`, found at `offset` of log `generation`, into its own file (once). */
  async add(
    folder: FileSystemDirectoryHandle,
    data: Uint8Array,
    generation: number,
    offset: number,
    reason: string,
  ): Promise<void> {
    const name = setAsideName(generation, offset);
    if (this.#reasons.has(name)) return;
    await withHandle((await folder.getFileHandle(name, { create: true })) as SyncFileHandle, (handle) => {
      handle.truncate(0);
      handle.write(data, { at: 0 });
      handle.flush();
    });
    this.#reasons.set(name, `${reason} (${data.length} bytes at offset ${offset} of ${logName(generation)})`);
  }

  /** Removes a set-aside file; false if another worker removed it first. */
  async remove(folder: FileSystemDirectoryHandle, name: string): Promise<boolean> {
    try {
      await folder.removeEntry(name);
    } catch (error) {
      if (errorName(error) !== 'NotFoundError') throw error;
      this.#reasons.delete(name);
      return false;
    }
    this.#reasons.delete(name);
    return true;
  }
}
