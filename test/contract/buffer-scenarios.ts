import {
  createTraceBuffer,
  isTraceBufferError,
  type BufferEvent,
  type BufferedTrace,
  type StorageChoice,
  type TraceBufferError,
  type TraceBufferOptions,
} from '../../src/index.js';
import { byteCapScenarios } from './byte-cap-scenarios.js';
import { deepEqual, equal, ok, rejects } from './check.js';
import { compressionScenarios } from './compression-scenarios.js';
import { expiryScenarios } from './expiry-scenarios.js';
import { llmTrace } from './fixtures.js';

/** What a scenario gets: the storage under test and a fresh buffer name. */
export interface ScenarioContext {
  storage: Exclude<StorageChoice, 'auto'> | 'auto';
  name: string;
}

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<void>;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function open(ctx: ScenarioContext, extra: TraceBufferOptions = {}) {
  const errors: TraceBufferError[] = [];
  const events: BufferEvent[] = [];
  const buffer = createTraceBuffer({
    name: ctx.name,
    storage: ctx.storage,
    onError: (error) => errors.push(error),
    onEvent: (event) => events.push(event),
    // Replay is called by hand here; automatic replay has tests of its own.
    autoReplay: false,
    ...extra,
  });
  return { buffer, errors, events };
}

const inferenceIds = (traces: BufferedTrace[]): unknown[] => traces.map((t) => t.traceData['inferenceId']);

/**
 * A store that must be refused: it resolves `false`, never rejects (issue 14:
 * Openlayer's store_trace never raises); `onError` hears one error with `code`
 * and one `dropped` event with reason `invalid` names the trace.
 */
async function refused(
  { errors, events }: ReturnType<typeof open>,
  store: () => Promise<boolean>,
  code: string,
  label: string,
): Promise<TraceBufferError> {
  const [errorsBefore, eventsBefore] = [errors.length, events.length];
  equal(await store(), false, `${label}: storeTrace resolves false`);
  const heard = errors.slice(errorsBefore);
  deepEqual(
    heard.map((error) => error.code),
    [code],
    `${label}: onError hears ${code}`,
  );
  const drops = events.slice(eventsBefore).filter((event) => event.type === 'dropped');
  deepEqual(
    drops.map((event) => [event.reason, event.traces.length, event.error?.code]),
    [['invalid', 1, code]],
    `${label}: a dropped event with reason invalid`,
  );
  return heard[0]!;
}

/**
 * Openlayer parity and the fixes of its hardening, written once and run on
 * every backend in every runtime (Node, Chromium, Firefox, WebKit).
 */
export const bufferScenarios: Scenario[] = [
  {
    name: 'storeTrace keeps an Openlayer-shaped record, read back oldest first',
    async run(ctx) {
      const { buffer } = open(ctx);
      const before = Date.now();
      equal(await buffer.storeTrace(llmTrace(1), { outputColumnName: 'output' }, 'pipeline-a'), true, 'stored');
      equal(await buffer.storeTrace(llmTrace(2)), true, 'stored without config');
      const traces = await buffer.getBufferedTraces();
      deepEqual(inferenceIds(traces), ['inference-1', 'inference-2'], 'oldest first');
      const [first, second] = traces as [BufferedTrace, BufferedTrace];
      ok(UUID_V4.test(first.id), `id is a full v4 UUID (${first.id})`);
      deepEqual(first.traceData, llmTrace(1), 'traceData kept');
      deepEqual(first.config, { outputColumnName: 'output' }, 'config kept');
      equal(first.inferencePipelineId, 'pipeline-a', 'pipeline id kept');
      equal(second.inferencePipelineId, null, 'pipeline id defaults to null');
      deepEqual(second.config, {}, 'config defaults to {}');
      equal(first.attempts, 0, 'no attempts yet');
      equal(first.metadata.bufferVersion, '1.0', 'buffer version');
      ok(first.timestamp >= before && first.timestamp <= Date.now(), 'timestamp in ms');
      deepEqual(
        Object.keys(first).sort(),
        ['attempts', 'config', 'id', 'inferencePipelineId', 'metadata', 'timestamp', 'traceData'],
        'no storage-only fields leak',
      );
      await buffer.close();
    },
  },
  {
    name: 'ids are full UUIDs and unique over a large burst (hardening fix 2)',
    async run(ctx) {
      const { buffer } = open(ctx, { maxBufferSize: 3000 });
      await Promise.all(Array.from({ length: 2000 }, (_, i) => buffer.storeTrace({ i })));
      const traces = await buffer.getBufferedTraces();
      equal(traces.length, 2000, 'all stored');
      equal(new Set(traces.map((t) => t.id)).size, 2000, 'no two ids collide');
      ok(
        traces.every((t) => UUID_V4.test(t.id)),
        'every id is a full UUID',
      );
      await buffer.close();
    },
  },
  {
    name: 'maxBufferSize 0 stores nothing and says so (hardening fix 3)',
    async run(ctx) {
      const { buffer, events } = open(ctx, { maxBufferSize: 0 });
      equal(await buffer.storeTrace(llmTrace(1)), false, 'storeTrace resolves false');
      equal((await buffer.getBufferedTraces()).length, 0, 'nothing stored');
      const status = await buffer.getBufferStatus();
      equal(status.maxBufferSize, 0, 'status keeps the 0');
      equal(status.dropped.disabled, 1, 'the drop is counted with its reason');
      ok(
        events.some((e) => e.type === 'dropped' && e.reason === 'disabled'),
        'and reported as an event',
      );
      await buffer.close();
    },
  },
  {
    name: 'the cap holds exactly when many storeTrace calls race, evicting the oldest (hardening fix 1)',
    async run(ctx) {
      const { buffer, events } = open(ctx, { maxBufferSize: 50 });
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => buffer.storeTrace(llmTrace(i))));
      ok(results.every(Boolean), 'every store was accepted');
      const traces = await buffer.getBufferedTraces();
      equal(traces.length, 50, 'exactly the cap remains');
      deepEqual(
        inferenceIds(traces),
        Array.from({ length: 50 }, (_, i) => `inference-${250 + i}`),
        'the newest 50',
      );
      const evicted = events.flatMap((e) => (e.type === 'dropped' && e.reason === 'evicted' ? e.traces : []));
      equal(evicted.length, 250, 'every eviction was reported');
      equal((await buffer.getBufferStatus()).dropped.evicted, 250, 'and counted in the status');
      await buffer.close();
    },
  },
  {
    name: 'two buffers on one name (two tabs) keep one cap together',
    async run(ctx) {
      if (ctx.storage === 'memory') return; // memory is per instance by design
      const a = open(ctx, { maxBufferSize: 40 }).buffer;
      const b = open(ctx, { maxBufferSize: 40 }).buffer;
      await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).storeTrace(llmTrace(i))));
      equal((await a.getBufferedTraces()).length, 40, 'the cap holds across writers');
      equal((await b.getBufferStatus()).totalTraces, 40, 'both see it');
      await Promise.all([a.close(), b.close()]);
    },
  },
  {
    name: 'data with no JSON form is refused (false, onError, dropped: invalid) and nothing buffered is touched',
    async run(ctx) {
      const opened = open(ctx);
      const { buffer } = opened;
      await buffer.storeTrace(llmTrace(1));
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic['self'] = cyclic;
      const cycle = await refused(opened, () => buffer.storeTrace(cyclic), 'NOT_SERIALIZABLE', 'a cycle');
      ok(/traceData/.test(cycle.message), `the message names the field (${cycle.message})`);
      await refused(opened, () => buffer.storeTrace({ big: 10n }), 'NOT_SERIALIZABLE', 'a BigInt');
      const fn = await refused(
        opened,
        () => buffer.storeTrace({ callback: () => 1 }),
        'NOT_SERIALIZABLE',
        'a function',
      );
      ok(/callback/.test(fn.message), `the message names the key (${fn.message})`);
      await refused(
        opened,
        () => buffer.storeTrace(llmTrace(2), { s: Symbol('x') }),
        'NOT_SERIALIZABLE',
        'a symbol in config',
      );
      await refused(opened, () => buffer.storeTrace([1, 2] as never), 'NOT_SERIALIZABLE', 'an array as traceData');
      await refused(
        opened,
        () => buffer.storeTrace(llmTrace(2), {}, 42 as never),
        'NOT_SERIALIZABLE',
        'a numeric pipeline id',
      );
      deepEqual(inferenceIds(await buffer.getBufferedTraces()), ['inference-1'], 'the buffer is unchanged');
      equal((await buffer.getBufferStatus()).dropped.invalid, 6, 'status.dropped.invalid counts them');
      await buffer.close();
    },
  },
  {
    name: 'traces are kept in their JSON form',
    async run(ctx) {
      const { buffer } = open(ctx);
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
      await buffer.storeTrace({ at, missing: undefined, text: 'héllo ✓ 𝄞', nested: { list: [1, null, undefined] } });
      const [trace] = await buffer.getBufferedTraces();
      deepEqual(
        trace?.traceData,
        { at: at.toISOString(), text: 'héllo ✓ 𝄞', nested: { list: [1, null, null] } },
        'the JSON form',
      );
      await buffer.close();
    },
  },
  {
    name: 'a trace over maxTraceBytes is refused with TRACE_TOO_LARGE (false, onError, dropped: invalid)',
    async run(ctx) {
      const opened = open(ctx, { maxTraceBytes: 1000 });
      const { buffer } = opened;
      const error = await refused(
        opened,
        () => buffer.storeTrace({ output: 'x'.repeat(2000) }),
        'TRACE_TOO_LARGE',
        'too large',
      );
      ok(/1000/.test(error.message), 'the message gives the limit');
      equal(await buffer.storeTrace({ output: 'x'.repeat(100) }), true, 'a small one is fine');
      await buffer.close();
    },
  },
  {
    name: 'removeTrace removes by id once',
    async run(ctx) {
      const { buffer } = open(ctx);
      await buffer.storeTrace(llmTrace(1));
      await buffer.storeTrace(llmTrace(2));
      const [first] = await buffer.getBufferedTraces();
      equal(await buffer.removeTrace(first!.id), true, 'removed');
      equal(await buffer.removeTrace(first!.id), false, 'already gone');
      deepEqual(inferenceIds(await buffer.getBufferedTraces()), ['inference-2'], 'the other stays');
      await buffer.close();
    },
  },
  {
    name: 'clearBuffer returns the number actually removed (hardening fix 4)',
    async run(ctx) {
      const { buffer } = open(ctx);
      await Promise.all([1, 2, 3, 4, 5].map((i) => buffer.storeTrace(llmTrace(i))));
      const [, third] = await buffer.getBufferedTraces();
      const [removedOne, cleared] = await Promise.all([buffer.removeTrace(third!.id), buffer.clearBuffer()]);
      equal(cleared + (removedOne ? 1 : 0), 5, 'clear counts only what it removed');
      equal(await buffer.clearBuffer(), 0, 'a second clear removes nothing');
      equal((await buffer.getBufferStatus()).totalTraces, 0, 'empty');
      await buffer.close();
    },
  },
  {
    name: 'replay delivers oldest first in batches and removes only what was delivered',
    async run(ctx) {
      const batches: string[][] = [];
      const { buffer } = open(ctx, {
        replayBatchSize: 2,
        send: (traces) => {
          batches.push(traces.map((t) => t.traceData['inferenceId'] as string));
          return Promise.resolve();
        },
      });
      for (let i = 1; i <= 5; i++) await buffer.storeTrace(llmTrace(i), { outputColumnName: 'output' });
      const stored = await buffer.getBufferedTraces();
      const delivered: unknown[][] = [];
      const result = await buffer.replayBufferedTraces({ onReplaySuccess: (...args) => delivered.push(args) });
      deepEqual(
        batches,
        [['inference-1', 'inference-2'], ['inference-3', 'inference-4'], ['inference-5']],
        'oldest first, in batches',
      );
      deepEqual(
        { ...result, failedTraces: result.failedTraces.length },
        { totalTraces: 5, successCount: 5, failureCount: 0, failedTraces: 0 },
        'the result',
      );
      // Openlayer's shape (traceData, config), then the BufferedTrace.
      deepEqual(
        delivered,
        stored.map((trace) => [trace.traceData, trace.config, trace]),
        'onReplaySuccess(traceData, config, trace) once per trace, oldest first',
      );
      deepEqual(delivered[0]?.[1], { outputColumnName: 'output' }, 'the config as stored');
      equal((await buffer.getBufferStatus()).totalTraces, 0, 'all removed');
      await buffer.close();
    },
  },
  {
    name: 'a failed replay keeps the traces and persists their attempt counts',
    async run(ctx) {
      const { buffer, errors } = open(ctx, { send: () => Promise.reject(new Error('collector down')) });
      await buffer.storeTrace(llmTrace(1));
      await buffer.storeTrace({ noInferenceId: true });
      const failures: unknown[][] = [];
      const result = await buffer.replayBufferedTraces({ onReplayFailure: (...args) => failures.push(args) });
      equal(result.failureCount, 2, 'both failed');
      equal(result.successCount, 0, 'none delivered');
      const traces = await buffer.getBufferedTraces();
      equal(traces.length, 2, 'both kept');
      ok(
        traces.every((t) => t.attempts === 1),
        'the attempt is persisted',
      );
      equal(result.failedTraces[0]?.traceId, 'inference-1', 'traceId is traceData.inferenceId');
      equal(result.failedTraces[1]?.traceId, traces[1]?.id, 'else the buffer id');
      equal(result.failedTraces[0]?.error, 'collector down', 'the error says why');
      equal(failures.length, 2, 'onReplayFailure once per trace');
      // Openlayer's shape (traceData, config, error), then the BufferedTrace as it was sent.
      deepEqual(
        failures.map(([traceData, config, , trace]) => [traceData, config, (trace as BufferedTrace).id]),
        traces.map((trace) => [trace.traceData, trace.config, trace.id]),
        'onReplayFailure(traceData, config, error, trace)',
      );
      deepEqual(
        failures.map((args) => [args.length, (args[2] as Error).message]),
        [
          [4, 'collector down'],
          [4, 'collector down'],
        ],
        "the error is the sender's, third",
      );
      ok(
        errors.some((e) => e.code === 'SEND_FAILED'),
        'onError heard about it',
      );
      await buffer.replayBufferedTraces({ maxRetries: 1 });
      ok(
        (await buffer.getBufferedTraces()).every((t) => t.attempts === 2),
        'a second replay adds one',
      );
      await buffer.close();
    },
  },
  {
    name: 'maxRetries 0 still attempts each batch once (hardening fix 5); 3 attempts three times',
    async run(ctx) {
      let calls = 0;
      const { buffer } = open(ctx, {
        send: () => {
          calls++;
          return Promise.reject(new Error('down'));
        },
      });
      await buffer.storeTrace(llmTrace(1));
      await buffer.replayBufferedTraces({ maxRetries: 0 });
      equal(calls, 1, 'maxRetries 0: one attempt');
      calls = 0;
      await buffer.replayBufferedTraces({ maxRetries: 3 });
      equal(calls, 3, 'maxRetries 3: three attempts');
      calls = 0;
      let succeedOn = 2;
      const result = await buffer.replayBufferedTraces({
        maxRetries: 3,
        send: () => (++calls === succeedOn ? Promise.resolve() : Promise.reject(new Error('flaky'))),
      });
      equal(calls, 2, 'stops retrying once delivered');
      equal(result.successCount, 1, 'delivered on the second attempt');
      succeedOn = 0;
      await buffer.close();
    },
  },
  {
    name: 'traces stored during a replay survive it',
    async run(ctx) {
      const sent: unknown[] = [];
      const buffer: ReturnType<typeof createTraceBuffer> = open(ctx, {
        replayBatchSize: 1,
        send: async (traces) => {
          sent.push(...inferenceIds(traces));
          await buffer.storeTrace(llmTrace(100 + sent.length));
        },
      }).buffer;
      await buffer.storeTrace(llmTrace(1));
      await buffer.storeTrace(llmTrace(2));
      const result = await buffer.replayBufferedTraces();
      deepEqual(sent, ['inference-1', 'inference-2'], 'the two buffered before the replay were sent');
      equal(result.successCount, 2, 'and counted');
      deepEqual(
        inferenceIds(await buffer.getBufferedTraces()),
        ['inference-101', 'inference-102'],
        'the two stored meanwhile remain',
      );
      await buffer.close();
    },
  },
  {
    name: 'concurrent replays in one buffer never send a trace twice',
    async run(ctx) {
      const sent: string[] = [];
      const { buffer } = open(ctx, {
        replayBatchSize: 3,
        send: async (traces) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          sent.push(...traces.map((t) => t.id));
        },
      });
      await Promise.all(Array.from({ length: 10 }, (_, i) => buffer.storeTrace(llmTrace(i))));
      const results = await Promise.all([buffer.replayBufferedTraces(), buffer.replayBufferedTraces()]);
      equal(sent.length, 10, 'ten sends');
      equal(new Set(sent).size, 10, 'each trace once');
      equal(results[0].successCount + results[1].successCount, 10, 'results add up');
      await buffer.close();
    },
  },
  {
    name: 'replay without a send function is a typed error',
    async run(ctx) {
      const { buffer } = open(ctx);
      const error = await rejects(buffer.replayBufferedTraces(), 'INVALID_OPTION', 'no send');
      ok(error instanceof TypeError, 'a TypeError');
      await rejects(
        buffer.replayBufferedTraces({ maxRetries: -1, send: () => Promise.resolve() }),
        'INVALID_OPTION',
        'negative maxRetries',
      );
      await buffer.close();
    },
  },
  {
    name: 'a throwing callback is reported and the replay goes on',
    async run(ctx) {
      const { buffer, errors } = open(ctx, { send: () => Promise.resolve() });
      await buffer.storeTrace(llmTrace(1));
      await buffer.storeTrace(llmTrace(2));
      const result = await buffer.replayBufferedTraces({
        onReplaySuccess: () => {
          throw new Error('bad callback');
        },
      });
      equal(result.successCount, 2, 'both delivered');
      equal(errors.filter((e) => e.code === 'CALLBACK_FAILED').length, 2, 'each throw reported');
      await buffer.close();
    },
  },
  {
    name: 'bad options throw a TypeError naming the option and what is allowed',
    run() {
      for (const maxBufferSize of [-1, Number.NaN, 1.5, Infinity, '10', null]) {
        try {
          createTraceBuffer({ maxBufferSize: maxBufferSize as number });
          throw new Error(`maxBufferSize ${String(maxBufferSize)} was accepted`);
        } catch (error) {
          ok(error instanceof TypeError, `maxBufferSize ${String(maxBufferSize)}: a TypeError`);
          ok(isTraceBufferError(error, 'INVALID_OPTION'), 'with code INVALID_OPTION');
          ok(/maxBufferSize/.test(error.message) && /whole number/.test(error.message), error.message);
        }
      }
      for (const options of [
        { storage: 'disk' },
        { name: '' },
        { name: 'a/b' },
        { send: 'x' },
        { durability: 'fast' },
        5,
      ]) {
        try {
          createTraceBuffer(options as never);
          throw new Error(`${JSON.stringify(options)} was accepted`);
        } catch (error) {
          ok(isTraceBufferError(error, 'INVALID_OPTION'), `${JSON.stringify(options)} refused: ${String(error)}`);
        }
      }
      return Promise.resolve();
    },
  },
  {
    name: 'the status reports backend, counts, bytes and age',
    async run(ctx) {
      const { buffer } = open(ctx, { maxBufferSize: 10 });
      const empty = await buffer.getBufferStatus();
      equal(empty.totalTraces, 0, 'empty');
      equal(empty.oldestTrace, null, 'no oldest');
      await buffer.storeTrace(llmTrace(1));
      await buffer.storeTrace(llmTrace(2));
      const status = await buffer.getBufferStatus();
      const traces = await buffer.getBufferedTraces();
      const expectedBackend = typeof ctx.storage === 'object' ? ctx.storage.kind : ctx.storage;
      equal(status.backend, expectedBackend === 'auto' ? status.backend : expectedBackend, 'backend named');
      equal(status.totalTraces, 2, 'count');
      equal(status.maxBufferSize, 10, 'cap');
      const expectedBytes = traces.reduce(
        (sum, t) => sum + new TextEncoder().encode(JSON.stringify(t.traceData) + JSON.stringify(t.config)).length,
        0,
      );
      equal(status.totalSizeBytes, expectedBytes, 'UTF-8 bytes of the JSON forms');
      equal(status.oldestTrace, traces[0]?.timestamp, 'oldest');
      equal(status.newestTrace, traces[1]?.timestamp, 'newest');
      equal(status.stored, 2, 'stored by this instance');
      equal(status.pendingWrites, 0, 'nothing pending');
      await buffer.close();
    },
  },
  {
    name: 'after close, storeTrace resolves false and says why',
    async run(ctx) {
      const { buffer, errors } = open(ctx);
      await buffer.storeTrace(llmTrace(1));
      await buffer.close();
      equal(await buffer.storeTrace(llmTrace(2)), false, 'not stored');
      ok(
        errors.some((e) => e.code === 'CLOSED'),
        'onError says the buffer is closed',
      );
      await rejects(buffer.getBufferedTraces(), 'CLOSED', 'reads reject');
    },
  },
  {
    name: 'stores issued without awaiting are committed before close resolves',
    async run(ctx) {
      const first = open(ctx).buffer;
      for (let i = 0; i < 20; i++) void first.storeTrace(llmTrace(i));
      await first.close();
      const second = open(ctx).buffer;
      const expected = ctx.storage === 'memory' ? 0 : 20;
      equal((await second.getBufferedTraces()).length, expected, 'all twenty are there for the next instance');
      await second.close();
    },
  },
  ...byteCapScenarios,
  ...compressionScenarios,
  ...expiryScenarios,
];
