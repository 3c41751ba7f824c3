import { TraceBufferError } from './errors.js';

const QUOTA_ADVICE =
  'To make room: free disk space, remove other data of this origin, or keep fewer or smaller traces (maxBufferSize, maxTraceBytes).';

/** The origin stays full whatever we remove: say so exactly, and what would help. */
export function stillFull(cause: TraceBufferError, evicted: number): TraceBufferError {
  return new TraceBufferError(
    'QUOTA_EXCEEDED',
    `The origin is still out of quota${evicted > 0 ? ` after ${evicted} oldest traces were evicted to make room` : ''}: ` +
      `removing traces frees no quota at once (Chromium keeps deleted IndexedDB data on disk until it compacts its files). ` +
      `New traces are dropped, not the buffered ones, which can still be replayed or cleared; every new store tries again. ${QUOTA_ADVICE}`,
    { cause, details: { reason: 'quota-not-freed', evicted, advice: QUOTA_ADVICE } },
  );
}
