import type { BackgroundSync } from '../core/platform.js';

/**
 * The one place that touches Background Sync (`registration.sync`). The
 * registration is the service worker's own (`self.registration`) inside one,
 * else the page's (`navigator.serviceWorker.getRegistration()`), looked up
 * once and kept so a registration asked for on page exit needs no round trip
 * first. Chromium only: Firefox and Safari have no SyncManager.
 */
interface SyncRegistration {
  sync?: { register(tag: string): Promise<void> };
}

export function backgroundSync(): BackgroundSync {
  const scope = globalThis as {
    SyncManager?: unknown;
    registration?: SyncRegistration;
    navigator?: { serviceWorker?: { getRegistration(): Promise<SyncRegistration | undefined> } };
  };
  let found: SyncRegistration | undefined;
  const registration = async (): Promise<SyncRegistration | undefined> =>
    (found ??= scope.registration ?? (await scope.navigator?.serviceWorker?.getRegistration()));
  const unsupportedReason = async (): Promise<string | null> => {
    if (typeof scope.SyncManager !== 'function')
      return 'Background Sync is not available in this browser (no SyncManager; only Chromium has it): the tabs replay';
    if (!scope.registration && !scope.navigator?.serviceWorker)
      return 'no service worker registration is reachable from this context: the tabs replay';
    try {
      if (!(await registration())?.sync) return 'no service worker is registered for this page: the tabs replay';
    } catch (error) {
      // getRegistration() throws in opaque origins (sandboxed iframes, file:): the status says so.
      return `the service worker registration could not be read (${String(error)}): the tabs replay`;
    }
    return null;
  };
  return {
    unsupportedReason,
    async register(tag) {
      if (await unsupportedReason()) return false;
      await (await registration())?.sync?.register(tag);
      return true;
    },
  };
}
