import { storageError, TraceBufferError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import type { LazyBackend } from './lazy-backend.js';
import type { Reporter } from './reporter.js';

export interface ExitSources {
  backend: LazyBackend;
  commits: GroupCommit;
  reporter: Reporter;
  isClosed: () => boolean;
}

/**
 * Called once when a server process has nothing left to do while this buffer
 * is open: its timers do not keep the process alive, so traces still buffered
 * would go (with the memory backend) without a word. Says how many, once,
 * through `onError`. A buffer that never opened storage has nothing to say.
 */
export async function warnUnsentAtExit({ backend, commits, reporter, isClosed }: ExitSources): Promise<void> {
  if (isClosed() || !backend.known) return;
  try {
    await commits.idle();
    const store = await backend.get();
    const { count } = await store.stats();
    if (count === 0 || isClosed()) return;
    const message = `${count} trace(s) still buffered (${store.kind}) at exit; to drain, await replayBufferedTraces() and then close().`;
    reporter.error(new TraceBufferError('UNSENT_AT_EXIT', message, { details: { count, backend: store.kind } }));
  } catch (error) {
    reporter.error(storageError(error, 'counting the traces left at exit'));
  }
}
