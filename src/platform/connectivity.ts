/**
 * The one place that reads `navigator.onLine` and listens to `online`. Both
 * are hints: `onLine === true` does not mean the collector is reachable
 * (sentry-javascript#6403), so replay keeps a backoff timer too. Chromium
 * fires no `online` in workers (crbug 114475): the worker bridge relays it.
 */

/** True only when the browser says for sure that there is no network. */
export function isKnownOffline(): boolean {
  const navigatorLike = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  return navigatorLike?.onLine === false;
}

/** Calls `onOnline` on each `online` event; returns the function that stops listening. */
export function watchOnline(onOnline: () => void): () => void {
  const target = globalThis as {
    addEventListener?: typeof addEventListener;
    removeEventListener?: typeof removeEventListener;
  };
  if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
    return () => undefined;
  }
  const listener = (): void => onOnline();
  target.addEventListener('online', listener);
  return () => target.removeEventListener?.('online', listener);
}
