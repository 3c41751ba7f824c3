export type OfflineReadiness = 'unsupported' | 'installing' | 'ready' | 'failed';

/**
 * Installs the service worker that caches the app shell, and reports when the
 * page can be reloaded offline: from the moment a worker is active.
 */
export function registerServiceWorker(onChange: (state: OfflineReadiness, detail?: string) => void): void {
  if (!('serviceWorker' in navigator)) {
    onChange('unsupported');
    return;
  }
  onChange('installing');
  navigator.serviceWorker.register('/sw.js').then(
    async () => {
      await navigator.serviceWorker.ready;
      onChange('ready');
    },
    (error: unknown) => onChange('failed', error instanceof Error ? error.message : String(error)),
  );
}
