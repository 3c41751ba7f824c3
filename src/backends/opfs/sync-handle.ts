import { describeError, errorName, TraceBufferError } from '../../core/errors.js';

/** The part of the sync access handle used here (dedicated workers only; not in TypeScript's DOM lib). */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
export type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> };

/** How long a step keeps retrying a handle someone else holds. */
const HANDLE_BUSY_TIMEOUT_MS = 5_000;

/** Opens a sync access handle, runs `body`, and always closes the handle. */
export async function withHandle<T>(file: SyncFileHandle, body: (handle: SyncAccessHandle) => T): Promise<T> {
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
 * NoModificationAllowedError (livestore#244). Wait and retry with a growing
 * delay for a bounded time, then fail with STORAGE_FAILED.
 */
export async function openHandle(file: SyncFileHandle): Promise<SyncAccessHandle> {
  const started = Date.now();
  for (let delay = 2; ; delay = Math.min(delay * 2, 200)) {
    try {
      return await file.createSyncAccessHandle();
    } catch (error) {
      const busy = errorName(error) === 'NoModificationAllowedError' || errorName(error) === 'InvalidStateError';
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
