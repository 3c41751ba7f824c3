import type { DeadLetter, DeadLetterInfo, DecodeRecords } from './dead-letters.js';
import type { StoredTrace } from './record.js';
import type { Reporter } from './reporter.js';
import type { EvictedTrace, StorageBackend } from './storage-backend.js';

// The steps of dead-letters.ts that move traces, in a chunk of their own
// (loaded by the first refusal or dead-letter call).

/** The server's message is kept up to this many characters (an HTML error page can be large). */
export const DEAD_LETTER_MESSAGE_CHARS = 1000;

type Letter = StoredTrace & { deadLetter: DeadLetterInfo };

export async function writeLetters(
  store: StorageBackend,
  letters: { record: StoredTrace; info: DeadLetterInfo }[],
  maxCount: number,
): Promise<{ records: Letter[]; evicted: EvictedTrace[] }> {
  const records: Letter[] = letters.map(({ record, info }) => ({
    ...record,
    lease: null,
    deadLetter: { ...info, message: info.message.slice(0, DEAD_LETTER_MESSAGE_CHARS) },
  }));
  const { evicted } = await store.insert(records, maxCount);
  return { records, evicted };
}

async function read(store: StorageBackend, decode: DecodeRecords, reporter: Reporter) {
  const { records, corrupt } = await store.readAll();
  const read = await decode(records);
  reporter.corrupt([...corrupt, ...read.corrupt]);
  return read.traces;
}

export async function readLetters(
  store: StorageBackend,
  decode: DecodeRecords,
  reporter: Reporter,
): Promise<DeadLetter[]> {
  return (await read(store, decode, reporter)).map(({ record, trace }) => ({
    ...trace,
    deadLetter: (record as Letter).deadLetter,
  }));
}

/** Stored in the buffer first (by `requeue`), then removed here: a crash between leaves a copy, never none. */
export async function retryLetters(
  store: StorageBackend,
  ids: readonly string[] | undefined,
  requeue: (record: StoredTrace) => Promise<boolean>,
  decode: DecodeRecords,
  reporter: Reporter,
): Promise<number> {
  const wanted = ids && new Set(ids);
  const chosen = (await read(store, decode, reporter)).filter(({ record }) => !wanted || wanted.has(record.id));
  const stored = await Promise.all(
    chosen.map(({ record }) => {
      const trace: Partial<Letter> = { ...record, attempts: 0, lease: null };
      delete trace.deadLetter;
      return requeue(trace as StoredTrace);
    }),
  );
  const moved = chosen.filter((_, i) => stored[i]).map(({ record }) => record.id);
  if (moved.length > 0) await store.remove(moved);
  return moved.length;
}
