import { logFileOf, logName } from './directory.js';
import { encodeFrame, framePuts, HEADER_BYTES, headerBytes, type Frame } from './frame-codec.js';
import type { LogFile } from './log-file.js';
import type { Entry, RecordIndex } from './record-index.js';
import { withHandle, type SyncAccessHandle } from './sync-handle.js';

/**
 * Compaction writes the live records to the next generation's file, seals it
 * by writing its header last, and retires the old file: a crash at any point
 * leaves one sealed log that opens whole.
 */

/** Compact once the log is past this size and mostly dead frames. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;
/** Records per frame when compaction rewrites the log (bounds one frame's size). */
const COMPACT_FRAME_RECORDS = 500;
/** A rough allowance per record for its frame's JSON beyond its `sizeBytes`. */
const RECORD_OVERHEAD_BYTES = 512;

/**
 * Rewrites the live records into the next generation when mostly dead frames
 * remain (always when `force`). `handle` is the current log's, open for this
 * step; it is closed when the log is retired.
 */
export async function maybeCompact(
  log: LogFile,
  index: RecordIndex,
  folder: FileSystemDirectoryHandle,
  handle: SyncAccessHandle,
  force = false,
): Promise<void> {
  const liveEstimate = index.bytes + index.size * RECORD_OVERHEAD_BYTES;
  if (!force && (log.knownLength < COMPACT_MIN_BYTES || log.knownLength < 3 * liveEstimate)) return;
  const next = log.generation + 1;
  const nextFile = await logFileOf(folder, next, true);
  const live = [...index.ordered().values()];
  await withHandle(nextFile, (fresh) => writeSealedLog(fresh, live));
  // Tell any worker still reading the old log to move on, then drop it.
  log.append(handle, JSON.stringify({ r: next } satisfies Frame));
  handle.close();
  await folder.removeEntry(logName(log.generation));
  log.moveTo(next, nextFile, await withHandle(nextFile, (fresh) => fresh.getSize()));
}

function writeSealedLog(fresh: SyncAccessHandle, live: readonly Entry[]): void {
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
}
