import { describeError, TraceBufferError } from '../../core/errors.js';
import { opfsAvailable } from './available.js';
import type { SyncFileHandle } from './sync-handle.js';

/**
 * The buffer's folder, `offline-trace-buffer/<name>/` in the origin's OPFS
 * root, and the names of the files in it:
 * - `log-<generation>`: the append-only log (see `frame-codec.ts`);
 * - `corrupt-<generation>-<offset>`: bytes of that log that failed to decode,
 *   set aside so they are reported (as corrupt records) and never silently lost.
 */

import { ROOT_DIRECTORY } from './folder-names.js';
export const LOG_PREFIX = 'log-';
export const SET_ASIDE_PREFIX = 'corrupt-';

export function logName(generation: number): string {
  return `${LOG_PREFIX}${generation}`;
}

/** The log generation a file name stands for, or undefined if it names no log. */
export function logGeneration(name: string): number | undefined {
  if (!name.startsWith(LOG_PREFIX)) return undefined;
  const n = Number(name.slice(LOG_PREFIX.length));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function setAsideName(generation: number, offset: number): string {
  return `${SET_ASIDE_PREFIX}${generation}-${offset}`;
}

export async function logFileOf(
  folder: FileSystemDirectoryHandle,
  generation: number,
  create: boolean,
): Promise<SyncFileHandle> {
  return (await folder.getFileHandle(logName(generation), { create })) as SyncFileHandle;
}

/** Opens (creating if needed) the folder of buffer `name`. */
export async function openBufferDirectory(name: string): Promise<FileSystemDirectoryHandle> {
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
    return await base.getDirectoryHandle(name, { create: true });
  } catch (error) {
    throw new TraceBufferError(
      'STORAGE_UNAVAILABLE',
      `OPFS directory for "${name}" cannot be opened (${describeError(error)}).`,
      { cause: error },
    );
  }
}

/** Whether the folder of buffer `name` exists, without creating it (a dead-letter store is made on its first write). */
export async function bufferDirectoryExists(name: string): Promise<boolean> {
  try {
    const root = await navigator.storage.getDirectory();
    await (await root.getDirectoryHandle(ROOT_DIRECTORY)).getDirectoryHandle(name);
    return true;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotFoundError') return false;
    throw error;
  }
}
