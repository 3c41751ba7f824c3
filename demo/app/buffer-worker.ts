/**
 * A trace buffer in a dedicated worker: storage work (OPFS here) leaves the
 * page's main thread, and the worker delivers to the collector itself (fetch
 * works in workers). The page relays `online`, which Chromium never fires in
 * workers (crbug 114475), through the bridge.
 */
import { createTraceBuffer } from 'offline-trace-buffer';
import { exposeTraceBuffer } from 'offline-trace-buffer/worker';
import { demoBufferOptions } from './buffer-settings.js';

// The page reads failures from the status (lastError); the console keeps the full error for DevTools.
const buffer = createTraceBuffer(
  demoBufferOptions('worker', (error) => console.warn('otb-demo worker: buffer error', error)),
);
exposeTraceBuffer(buffer);
