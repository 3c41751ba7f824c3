/**
 * The worker bridge: `exposeTraceBuffer(buffer)` inside a dedicated worker,
 * `connectTraceBuffer(worker)` on the page, and the page gets the same
 * `TraceBuffer` API as `createTraceBuffer`. Only this entry point imports
 * comlink, so pages that never use a worker never load it.
 *
 * Crossing `postMessage` (see wire.ts for errors):
 * - Functions cannot be cloned: `send`, `onReplaySuccess`, `onReplayFailure`
 *   given to `replayBufferedTraces` and `subscribe` listeners travel as
 *   comlink proxies (each call is a round trip). `send`, `onError` and
 *   `onEvent` given to `createTraceBuffer` stay in the worker, which usually
 *   owns `send` anyway (`fetch` works in workers).
 * - Chromium fires no `online` in workers (crbug 114475): the page relays its
 *   `online`/`offline` events, and the worker dispatches them on its global
 *   scope so listeners there work as if the platform had fired them.
 */
export { exposeTraceBuffer } from './expose.js';
export { connectTraceBuffer, type ConnectedTraceBuffer, type ConnectOptions } from './connect.js';
