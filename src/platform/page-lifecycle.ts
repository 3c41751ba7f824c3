/**
 * The one place that listens to page exit. On `pagehide` or when the page is
 * hidden (the last moment a mobile browser promises), pending stores are
 * committed at once rather than after the current microtask chain.
 */
export function watchPageExit(onExit: () => void): () => void {
  const target = globalThis as {
    addEventListener?: typeof addEventListener;
    removeEventListener?: typeof removeEventListener;
    document?: {
      visibilityState?: string;
      addEventListener?: typeof addEventListener;
      removeEventListener?: typeof removeEventListener;
    };
  };
  if (typeof target.addEventListener !== 'function') return () => undefined;
  const onHide = (): void => onExit();
  const onVisibility = (): void => {
    if (target.document?.visibilityState === 'hidden') onExit();
  };
  target.addEventListener('pagehide', onHide);
  target.document?.addEventListener?.('visibilitychange', onVisibility);
  return () => {
    target.removeEventListener?.('pagehide', onHide);
    target.document?.removeEventListener?.('visibilitychange', onVisibility);
  };
}
