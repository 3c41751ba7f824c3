/**
 * The one place that reads `navigator.onLine` and listens to `online`. Both
 * are hints: `onLine === true` does not mean the collector is reachable
 * (sentry-javascript#6403), so replay keeps a backoff timer too. Chromium
 * fires no `online` in workers (crbug 114475): the worker bridge relays it.
 */

/**
 * What the page last relayed to this worker (see the worker bridge), or
 * undefined. A worker's own `navigator.onLine` can disagree with its page's:
 * under Playwright's offline mode Firefox reports `true` in a dedicated worker
 * while the page says `false`.
 */
let relayedOnline: boolean | undefined;

/** Records the connectivity a page relayed to this context. */
export function setRelayedOnline(online: boolean): void {
  relayedOnline = online;
}

/** True only when this context or the page that relays to it says for sure that there is no network. */
export function isKnownOffline(): boolean {
  const navigatorLike = (globalThis as { navigator?: { onLine?: unknown } }).navigator;
  return navigatorLike?.onLine === false || relayedOnline === false;
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
