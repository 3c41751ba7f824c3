import { createTraceBuffer, type TraceBufferOptions } from '../create-trace-buffer.js';
import { storageError, TraceBufferError } from '../core/errors.js';
import type { SendFunction } from '../core/options.js';
import { backgroundSyncTag } from '../core/sync-request.js';
import type { TraceBuffer } from '../core/trace-buffer-api.js';
import { backgroundSync } from '../platform/background-sync.js';
import { watchSyncEvents } from '../platform/service-worker-events.js';

export interface ServiceWorkerReplayOptions extends Omit<TraceBufferOptions, 'send' | 'autoReplay' | 'backgroundSync'> {
  /** Delivers a batch, as `send` of `createTraceBuffer` (e.g. `openlayerSender`). */
  send: SendFunction;
}

/** What one drain did: traces delivered, and traces still buffered after it. */
export interface ServiceWorkerDrain {
  delivered: number;
  remaining: number;
}

export interface ServiceWorkerReplay {
  /** The Background Sync tag listened to: `offline-trace-buffer:<name>`. */
  readonly tag: string;
  /** The name's buffer, opened on the same store as the pages (IndexedDB `offline-trace-buffer:<name>`). */
  readonly buffer: TraceBuffer;
  /** Replays until the buffer is empty or a pass fails; for the app's own events (`message`, `push`). */
  drain(): Promise<ServiceWorkerDrain>;
  /** Stops listening and closes the buffer. */
  close(): Promise<void>;
}

/** Passes per drain: traces stored during a pass get the next one, not an endless chase. */
const MAX_PASSES = 10;

/**
 * Call once at the top level of the service worker. The buffer opens with
 * 'auto' storage, which in a service worker is the IndexedDB store the pages
 * write. Every pass runs under the origin's one-replayer Web Lock, so a tab
 * replaying at the same time makes this one skip, and the reverse.
 *
 * - `sync` with the name's tag: drains under `waitUntil`; if traces remain,
 *   the promise rejects so the browser retries later, and on its
 *   `lastChance` the tag is registered again so delivery goes on with no tab.
 * - `periodicsync` with the tag (where the app registered it and the browser
 *   granted it): drains under `waitUntil`.
 * - start-up (each time the browser starts the worker): drains once. Not in
 *   `activate`'s `waitUntil`: fetches wait for activation, and a slow
 *   collector must not hold the app's pages.
 */
export function replayInServiceWorker(options: ServiceWorkerReplayOptions): ServiceWorkerReplay {
  const buffer = createTraceBuffer({ ...options, autoReplay: false, backgroundSync: false });
  const name = options.name ?? 'openlayer';
  const tag = backgroundSyncTag(name);
  const report = (error: TraceBufferError): void => options.onError?.(error);

  const drain = async (): Promise<ServiceWorkerDrain> => {
    let delivered = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const result = await buffer.replayBufferedTraces({ maxRetries: 1 });
      delivered += result.successCount;
      if (result.skipped || result.failureCount > 0 || result.totalTraces === 0) break;
    }
    return { delivered, remaining: (await buffer.getBufferStatus()).totalTraces };
  };

  const onSync = async (lastChance: boolean): Promise<void> => {
    const { remaining } = await drain();
    if (remaining === 0) return;
    if (lastChance) {
      // The browser gives this tag up after this attempt: a new registration keeps delivery going.
      await backgroundSync().register(tag);
      return;
    }
    throw new TraceBufferError(
      'SEND_FAILED',
      `${remaining} traces are still buffered after this sync; the browser retries it.`,
    );
  };

  const unwatch = watchSyncEvents(tag, (event, periodic) => {
    event.waitUntil(periodic ? drain() : onSync(event.lastChance === true));
  });
  drain().catch((error: unknown) => report(storageError(error, 'replaying at service worker start-up')));

  return {
    tag,
    buffer,
    drain,
    close: async () => {
      unwatch();
      await buffer.close();
    },
  };
}
