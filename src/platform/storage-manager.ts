import type { DeviceStorage } from '../core/platform.js';

/**
 * The one place that reads `navigator.storage`. `estimate()` exists in pages
 * and workers of Chromium, Firefox and Safari; `persist()` only on pages
 * (Window), and WebKitGTK exposes no `navigator.storage` at all. Returns null
 * where there is nothing to read, so the status can say so instead of throwing.
 */
export function deviceStorage(): DeviceStorage | null {
  const manager = (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage;
  if (!manager || typeof manager.estimate !== 'function') return null;
  const storage: DeviceStorage = {
    estimate: async () => {
      const { usage, quota } = await manager.estimate!();
      return { usage: usage ?? null, quota: quota ?? null };
    },
  };
  if (typeof manager.persisted === 'function') storage.persisted = () => manager.persisted!();
  if (typeof manager.persist === 'function') storage.persist = () => manager.persist!();
  return storage;
}
