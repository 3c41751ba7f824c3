/**
 * A worker as an app would write it: the buffer lives here, the page talks to
 * it through `connectTraceBuffer`. The buffer name comes from the worker's
 * `name` so each test gets its own store.
 */
import { createTraceBuffer } from '../../src/index.js';
import { exposeTraceBuffer } from '../../src/worker/index.js';

// Typed by hand: the project's tsconfig has no WebWorker lib (it clashes with DOM).
const scope = globalThis as unknown as {
  name: string;
  postMessage(message: unknown): void;
  addEventListener(type: string, listener: () => void): void;
};
const buffer = createTraceBuffer({ name: scope.name, maxBufferSize: 5, maxTraceBytes: 2_000 });

// Lets the page see that a relayed `online` reached listeners in here.
let onlineEvents = 0;
scope.addEventListener('online', () => {
  onlineEvents++;
  scope.postMessage({ type: 'online-seen', count: onlineEvents });
});

exposeTraceBuffer(buffer);
