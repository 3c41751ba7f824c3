/**
 * The service worker entry: `replayInServiceWorker({ name, send })` in a
 * PWA's service worker replays the name's buffer on Background Sync, on
 * Periodic Background Sync and at start-up, with no tab open.
 */
export {
  replayInServiceWorker,
  type ServiceWorkerReplay,
  type ServiceWorkerReplayOptions,
  type ServiceWorkerDrain,
} from './replay-in-service-worker.js';
export { backgroundSyncTag } from '../core/sync-request.js';
