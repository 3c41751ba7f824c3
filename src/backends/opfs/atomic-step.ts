import { errorName, storageError, TraceBufferError } from '../../core/errors.js';
import { withWebLock } from '../../platform/web-lock.js';
import { openBufferDirectory } from './directory.js';
import { opfsLockName } from './folder-names.js';
import { LogFile } from './log-file.js';
import { RecordIndex } from './record-index.js';
import { SetAside } from './set-aside.js';
import { openHandle, type SyncAccessHandle } from './sync-handle.js';

/** What a step's body works with: the open log, caught up, and the state read from it. */
export interface Step {
  readonly handle: SyncAccessHandle;
  readonly folder: FileSystemDirectoryHandle;
  readonly index: RecordIndex;
  readonly setAside: SetAside;
  readonly log: LogFile;
}

/**
 * Runs the backend's atomic steps. Sync access handles are exclusive, so every
 * step holds a Web Lock per buffer (one short step, released in `finally`) and
 * opens, uses and closes the handle inside it.
 */
export class StepRunner {
  readonly #name: string;
  readonly #lockName: string;
  readonly #index = new RecordIndex();
  readonly #setAside = new SetAside();
  readonly #log = new LogFile(this.#index, this.#setAside);
  #directory: FileSystemDirectoryHandle | undefined;
  #closed = false;

  constructor(name: string) {
    this.#name = name;
    this.#lockName = opfsLockName(name);
  }

  /** Later steps reject with CLOSED. */
  close(): void {
    this.#closed = true;
  }

  /**
   * One atomic step: under the buffer's Web Lock, open the log, catch up with
   * other writers, then run `body`. Every lock and handle is released in
   * `finally`, whatever throws; failures reject as storage errors of `action`.
   */
  async run<T>(action: string, body: (step: Step) => T | Promise<T>): Promise<T> {
    if (this.#closed) throw new TraceBufferError('CLOSED', 'The OPFS backend was closed.');
    const log = this.#log;
    try {
      const result = await withWebLock(this.#lockName, async () => {
        for (let attempt = 0; ; attempt++) {
          const folder = await this.#folder();
          let handle: SyncAccessHandle;
          try {
            handle = await openHandle(log.file ?? (await log.find(folder)));
          } catch (error) {
            // Another worker compacted or cleared, and removed the log we knew;
            // or deleteTraceBuffer removed the whole folder: start a new, empty
            // one (`find` empties the index, so nothing deleted comes back).
            if (errorName(error) === 'NotFoundError' && attempt < 3) {
              log.forget();
              this.#directory = undefined;
              continue;
            }
            throw error;
          }
          try {
            if (!(await log.catchUp(folder, handle))) {
              if (attempt >= 3) throw new Error('the log kept being replaced while it was read');
              log.forget();
              continue;
            }
            return { value: await body({ handle, folder, index: this.#index, setAside: this.#setAside, log }) };
          } finally {
            handle.close();
          }
        }
      });
      // withWebLock resolves undefined only for `ifAvailable`, which is not used here.
      return result!.value;
    } catch (error) {
      // The index may be ahead of or behind the file after a failure: rebuild it next step.
      log.forget();
      throw storageError(error, action);
    }
  }

  async #folder(): Promise<FileSystemDirectoryHandle> {
    this.#directory ??= await openBufferDirectory(this.#name);
    return this.#directory;
  }
}
