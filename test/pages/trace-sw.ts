/**
 * The test service worker: a module worker that imports the project's built
 * service-worker entry (dist/, aliased in vite.config.ts, served through Vite so `idb` resolves), as a
 * PWA's sw.js would. Its name and collector come from its URL.
 */
import { replayInServiceWorker } from 'offline-trace-buffer/service-worker';
import { collectorSend } from './page-buffers.js';

const params = new URL(self.location.href).searchParams;
const collectorUrl = params.get('collector') ?? '';
const errors: string[] = [];

self.addEventListener('install', () => void (self as unknown as { skipWaiting(): Promise<void> }).skipWaiting());

replayInServiceWorker({
  name: params.get('name') ?? 'openlayer',
  send: collectorSend(collectorUrl),
  onError: (error) => errors.push(`${error.code}: ${error.message}`),
});
