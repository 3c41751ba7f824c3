/**
 * The one place that listens to a service worker's events: `sync`
 * (Background Sync) and `periodicsync` (Periodic Background Sync), neither of
 * which TypeScript's libraries type yet.
 */
export interface SyncLikeEvent {
  readonly tag: string;
  /** `sync` only: the browser will not retry this tag after this attempt. */
  readonly lastChance?: boolean;
  waitUntil(work: Promise<unknown>): void;
}

interface EventScope {
  addEventListener(type: string, listener: (event: SyncLikeEvent) => void): void;
  removeEventListener(type: string, listener: (event: SyncLikeEvent) => void): void;
}

/** Calls `onSync` for the `sync` and `periodicsync` events of `tag`; returns the unsubscribe function. */
export function watchSyncEvents(tag: string, onSync: (event: SyncLikeEvent, periodic: boolean) => void): () => void {
  const scope = globalThis as unknown as Partial<EventScope>;
  if (typeof scope.addEventListener !== 'function') return () => undefined;
  const onOne = (event: SyncLikeEvent): void => {
    if (event.tag === tag) onSync(event, false);
  };
  const onPeriodic = (event: SyncLikeEvent): void => {
    if (event.tag === tag) onSync(event, true);
  };
  scope.addEventListener('sync', onOne);
  scope.addEventListener('periodicsync', onPeriodic);
  return () => {
    scope.removeEventListener?.('sync', onOne);
    scope.removeEventListener?.('periodicsync', onPeriodic);
  };
}
