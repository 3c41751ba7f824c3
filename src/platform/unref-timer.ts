/**
 * The one place that keeps a timer from holding a server process open: Node
 * and Bun timers have `unref()`; Deno's setTimeout returns a number, which
 * `Deno.unrefTimer` takes. Browsers and edge runtimes have neither.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof (timer as { unref?: unknown } | null)?.unref === 'function') {
    (timer as { unref: () => void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof timer === 'number' && typeof deno?.unrefTimer === 'function') deno.unrefTimer(timer);
}
