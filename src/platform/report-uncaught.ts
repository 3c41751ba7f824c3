/**
 * The one place that hands an error to the host when nobody else can take it
 * (an `onError` or a bridged listener that threw): `reportError` where the
 * runtime has it (browsers, Deno), so it reaches `window.onerror` like any
 * uncaught error; `console.error` elsewhere (Node, Bun).
 */
export function reportUncaught(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else console.error('offline-trace-buffer: a callback threw', error);
}
