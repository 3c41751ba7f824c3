/**
 * The names every OPFS piece agrees on, apart from directory.ts so that
 * `deleteTraceBuffer` (in the main entry) does not pull the OPFS backend's
 * code out of its lazily loaded chunk into every page's bundle.
 */
export const ROOT_DIRECTORY = 'offline-trace-buffer';

/** The Web Lock every step on the folder of `name` holds (see atomic-step.ts), and a delete too. */
export function opfsLockName(name: string): string {
  return `offline-trace-buffer:opfs:${name}`;
}
