import { createTraceBuffer, type BufferEvent, type BufferedTrace } from '../../src/index.js';
import type { Scenario } from './buffer-scenarios.js';
import { deepEqual, equal } from './check.js';

/**
 * `maxAgeMs` on every storage in every engine (the buffer scenarios run in
 * Node, Chromium, Firefox, OPFS workers and WebKit). Real time passes: the
 * limit is far above what a store and a replay take, so only the traces
 * stored before the wait can be past it.
 */

const MAX_AGE_MS = 2_000;

export const expiryScenarios: Scenario[] = [
  {
    name: 'maxAgeMs: a trace past the limit is never sent; replay drops it with reason expired and sends the rest',
    async run(ctx) {
      const events: BufferEvent[] = [];
      const sent: string[] = [];
      const buffer = createTraceBuffer({
        name: ctx.name,
        storage: ctx.storage,
        autoReplay: false,
        maxAgeMs: MAX_AGE_MS,
        onEvent: (event) => events.push(event),
        send: (traces: BufferedTrace[]) => {
          sent.push(...traces.map((t) => t.traceData['inferenceId'] as string));
          return Promise.resolve();
        },
      });
      for (const id of ['old-1', 'old-2', 'old-3']) equal(await buffer.storeTrace({ inferenceId: id }), true, id);
      await new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS + 300));
      for (const id of ['new-1', 'new-2']) equal(await buffer.storeTrace({ inferenceId: id }), true, id);
      const result = await buffer.replayBufferedTraces();
      deepEqual(sent.sort(), ['new-1', 'new-2'], 'only the traces within the limit were sent');
      equal(result.successCount, 2, 'two delivered');
      const expired = events
        .filter((e) => e.type === 'dropped' && e.reason === 'expired')
        .flatMap((e) => (e.type === 'dropped' ? e.traces.map((t) => t.traceId) : []));
      deepEqual(expired.sort(), ['old-1', 'old-2', 'old-3'], 'the old ones dropped with reason expired, by id');
      const status = await buffer.getBufferStatus();
      equal(status.totalTraces, 0, 'nothing left');
      equal(status.dropped.expired, 3, 'status counts them');
      await buffer.close();
    },
  },
  {
    name: 'maxAgeMs: getBufferStatus drops the expired traces and keeps the fresh ones',
    async run(ctx) {
      const buffer = createTraceBuffer({
        name: ctx.name,
        storage: ctx.storage,
        autoReplay: false,
        maxAgeMs: MAX_AGE_MS,
      });
      equal(await buffer.storeTrace({ inferenceId: 'old' }), true, 'old');
      await new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS + 300));
      equal(await buffer.storeTrace({ inferenceId: 'new' }), true, 'new');
      const status = await buffer.getBufferStatus();
      equal(status.dropped.expired, 1, 'the old one expired');
      deepEqual(
        (await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId']),
        ['new'],
        'the fresh one stays',
      );
      await buffer.close();
    },
  },
];
