import { createTraceBuffer, isTraceBufferError, type BufferEvent, type BufferedTrace } from '../../src/index.js';
import type { Scenario, ScenarioContext } from './buffer-scenarios.js';
import { deepEqual, equal, ok } from './check.js';

/** Buffer scenarios for `maxBufferBytes`, run on every storage in every engine with the others. */

const sizeOf = (t: BufferedTrace): number =>
  new TextEncoder().encode(JSON.stringify(t.traceData) + JSON.stringify(t.config)).length;

function open(ctx: ScenarioContext, maxBufferBytes: number) {
  const events: BufferEvent[] = [];
  const buffer = createTraceBuffer({
    name: ctx.name,
    storage: ctx.storage,
    autoReplay: false,
    maxBufferBytes,
    onEvent: (event) => events.push(event),
  });
  return { buffer, events };
}

function refused(options: Record<string, unknown>, option: string): void {
  try {
    createTraceBuffer(options);
  } catch (error) {
    ok(isTraceBufferError(error, 'INVALID_OPTION'), `${JSON.stringify(options)}: INVALID_OPTION (${String(error)})`);
    ok(error.message.includes(`"${option}"`), `the message names ${option}: ${error.message}`);
    return;
  }
  throw new Error(`${JSON.stringify(options)} was accepted`);
}

export const byteCapScenarios: Scenario[] = [
  {
    name: 'maxBufferBytes keeps the stored sizes under it, evicting the oldest of traces of mixed sizes',
    async run(ctx) {
      const { buffer, events } = open(ctx, 5_000);
      for (let i = 0; i < 12; i++) {
        equal(
          await buffer.storeTrace({ inferenceId: `t-${i}`, output: 'x'.repeat(300 + (i % 4) * 500) }),
          true,
          'stored',
        );
        const status = await buffer.getBufferStatus();
        ok(status.totalSizeBytes <= 5_000, `after store ${i}: ${status.totalSizeBytes} bytes of 5000`);
      }
      const traces = await buffer.getBufferedTraces();
      const kept = traces.map((t) => t.traceData['inferenceId']);
      const first = 12 - kept.length;
      deepEqual(
        kept,
        Array.from({ length: kept.length }, (_, k) => `t-${first + k}`),
        'the newest stay, in order',
      );
      const evicted = events.flatMap((e) => (e.type === 'dropped' && e.reason === 'evicted' ? e.traces : []));
      equal(evicted.length, first, 'every eviction was reported with reason evicted');
      const status = await buffer.getBufferStatus();
      equal(status.maxBufferBytes, 5_000, 'the status gives the cap');
      equal(
        status.totalSizeBytes,
        traces.map(sizeOf).reduce((a, b) => a + b, 0),
        'and the bytes it counts',
      );
      equal(status.dropped.evicted, first, 'and the evictions');
      await buffer.close();
    },
  },
  {
    name: 'a trace larger than maxBufferBytes is refused at store time and evicts nothing',
    async run(ctx) {
      const errors: { code: string; message: string }[] = [];
      const events: BufferEvent[] = [];
      const buffer = createTraceBuffer({
        name: ctx.name,
        storage: ctx.storage,
        autoReplay: false,
        maxBufferBytes: 2_000,
        onEvent: (event) => events.push(event),
        onError: (error) => errors.push({ code: error.code, message: error.message }),
      });
      equal(await buffer.storeTrace({ inferenceId: 'small' }), true, 'a small one is kept');
      equal(
        await buffer.storeTrace({ inferenceId: 'huge', output: 'x'.repeat(3_000) }),
        false,
        'over the byte cap: refused (false), never rejected',
      );
      deepEqual(
        errors.map((e) => e.code),
        ['TRACE_TOO_LARGE'],
        'onError hears TRACE_TOO_LARGE once',
      );
      ok(/2000/.test(errors[0]!.message), `the message gives the limit: ${errors[0]!.message}`);
      deepEqual(
        (await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId']),
        ['small'],
        'the buffer is as it was',
      );
      const dropped = events.filter((e) => e.type === 'dropped');
      deepEqual(
        dropped.map((e) => e.reason),
        ['invalid'],
        'one dropped event, reason invalid; nothing was evicted for it',
      );
      await buffer.close();
    },
  },
  {
    name: 'maxBufferBytes: bad values and a maxTraceBytes above it throw at creation; Infinity and the default',
    async run(ctx) {
      for (const value of [0, -1, 1.5, Number.NaN, '10', null]) refused({ maxBufferBytes: value }, 'maxBufferBytes');
      refused({ maxBufferBytes: 1_000, maxTraceBytes: 2_000 }, 'maxTraceBytes');
      const unbounded = open(ctx, Infinity).buffer;
      equal((await unbounded.getBufferStatus()).maxBufferBytes, Infinity, 'Infinity: no byte cap');
      await unbounded.close();
      const byDefault = createTraceBuffer({ name: ctx.name, storage: ctx.storage, autoReplay: false });
      equal((await byDefault.getBufferStatus()).maxBufferBytes, 50 * 1024 * 1024, 'the default is 50 MiB');
      await byDefault.close();
    },
  },
];
