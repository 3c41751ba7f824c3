/**
 * The one place that listens for a server process running out of work
 * (`beforeExit` of Node, Bun and Deno's `process`). The buffer's own timers do
 * not keep a process alive, so without this a process could end with traces
 * unsent and nobody told. One listener serves every buffer of the process.
 */
type ExitHook = () => Promise<void>;

interface ProcessLike {
  on(event: 'beforeExit', listener: () => void): unknown;
}

const hooks = new Set<ExitHook>();
let listening = false;

/** Calls `onExit` once, when the process has nothing left to do; returns the function that stops it. */
export function watchProcessExit(onExit: ExitHook): () => void {
  const host = (globalThis as { process?: Partial<ProcessLike> }).process;
  if (typeof host?.on !== 'function') return () => undefined;
  hooks.add(onExit);
  if (!listening) {
    listening = true;
    // Work started here keeps the process going; `beforeExit` comes again when it is done.
    host.on('beforeExit', () => {
      const due = [...hooks];
      hooks.clear();
      for (const hook of due) void hook();
    });
  }
  return () => hooks.delete(onExit);
}
