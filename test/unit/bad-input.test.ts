// Property tests over what a host app may hand the buffer: any trace data and
// any options. Each input is either stored and read back equal to its JSON
// form, or refused: storeTrace resolves false (it never rejects, as Openlayer's
// store_trace never raises), onError hears a typed error that names the
// problem, and a `dropped` event with reason `invalid` names the trace.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTraceBuffer,
  TraceBufferOptionError,
  type BufferEvent,
  type TraceBuffer,
  type TraceBufferError,
} from '../../src/index.js';
import { DEFAULT_MAX_TRACE_BYTES } from '../../src/core/options.js';

const HEAVY = process.env['FAULTS'] === 'heavy';
const RUNS = HEAVY ? 1_000 : 100;
/** Small enough that generated huge strings cross it often. */
const SIZE_LIMIT = 4_096;

/** A buffer that records what it reports. */
function recordingBuffer(options: Parameters<typeof createTraceBuffer>[0]): {
  buffer: TraceBuffer;
  errors: TraceBufferError[];
  dropped: Extract<BufferEvent, { type: 'dropped' }>[];
} {
  const errors: TraceBufferError[] = [];
  const dropped: Extract<BufferEvent, { type: 'dropped' }>[] = [];
  const buffer = createTraceBuffer({
    ...options,
    onError: (error) => errors.push(error),
    onEvent: (event) => {
      if (event.type === 'dropped') dropped.push(event);
    },
  });
  return { buffer, errors, dropped };
}

type Recorded = ReturnType<typeof recordingBuffer>;

/**
 * The buffer's answer to one store: the trace read back, or the refusal's code
 * and message, checked to be reported exactly once, as a resolved `false`.
 */
async function storeAndRead(
  { buffer, errors, dropped }: Recorded,
  traceData: unknown,
): Promise<{ read: unknown } | { code: string; message: string }> {
  await buffer.clearBuffer();
  errors.length = 0;
  dropped.length = 0;
  // Never a rejection: a throw here fails the test.
  const stored = await buffer.storeTrace(traceData as Record<string, unknown>);
  if (!stored) {
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(dropped).toEqual([{ type: 'dropped', reason: 'invalid', traces: [expect.any(Object)], error }]);
    expect((await buffer.getBufferedTraces()).length).toBe(0);
    return { code: error!.code, message: error!.message };
  }
  expect(errors).toEqual([]);
  const traces = await buffer.getBufferedTraces();
  expect(traces).toHaveLength(1);
  return { read: traces[0]!.traceData };
}

/** What the buffer must do with `traceData`, worked out from JSON itself. */
function expectedFor(traceData: unknown): { json: unknown } | { code: 'NOT_SERIALIZABLE' | 'TRACE_TOO_LARGE' } {
  let json: string | undefined;
  try {
    json = JSON.stringify(traceData);
  } catch {
    // BigInt, cycles, nesting deeper than the engine's stack: no JSON form.
    return { code: 'NOT_SERIALIZABLE' };
  }
  if (json === undefined) return { code: 'NOT_SERIALIZABLE' };
  // The config defaults to {}: two more bytes of JSON.
  if (Buffer.byteLength(json, 'utf8') + 2 > SIZE_LIMIT) return { code: 'TRACE_TOO_LARGE' };
  return { json: JSON.parse(json) as unknown };
}

const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  // Huge strings, in multi-byte characters so bytes and characters differ.
  fc.string({ unit: 'grapheme', minLength: 500, maxLength: 3_000 }),
);
const traceDataArbitrary = fc.dictionary(
  text,
  fc.anything({
    key: text,
    maxDepth: 6,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withSparseArray: true,
    withBoxedValues: true,
    withTypedArray: true,
    withUnicodeString: true,
  }),
);

for (const storage of ['memory', 'indexeddb'] as const) {
  describe(`bad input: trace data (${storage}${storage === 'indexeddb' ? ' on fake-indexeddb' : ''})`, () => {
    let buffer: Recorded;
    beforeAll(() => {
      buffer = recordingBuffer({
        name: `bad-input-${storage}-${Date.now().toString(36)}`,
        storage,
        maxTraceBytes: SIZE_LIMIT,
      });
    });
    afterAll(() => buffer.buffer.close());

    it('any trace data is stored and read back equal to its JSON form, or refused (false) with a typed error', async () => {
      await fc.assert(
        fc.asyncProperty(traceDataArbitrary, async (traceData) => {
          const expected = expectedFor(traceData);
          const outcome = await storeAndRead(buffer, traceData);
          if ('json' in expected) expect(outcome).toEqual({ read: expected.json });
          else expect(outcome).toMatchObject({ code: expected.code, message: expect.stringMatching(/\S/) as unknown });
        }),
        { numRuns: RUNS },
      );
    });

    it('a cycle anywhere is refused with NOT_SERIALIZABLE', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 20 }), async (depth) => {
          const root: Record<string, unknown> = {};
          let node = root;
          for (let i = 0; i < depth; i++) node = node[`level${i}`] = {};
          node['back'] = root;
          expect(await storeAndRead(buffer, root)).toMatchObject({ code: 'NOT_SERIALIZABLE' });
        }),
        { numRuns: 25 },
      );
    });

    it('nesting deeper than the JSON serialiser can walk is refused with NOT_SERIALIZABLE, not a RangeError', async () => {
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 100_000; i++) deep = { child: deep };
      expect(await storeAndRead(buffer, deep)).toMatchObject({ code: 'NOT_SERIALIZABLE' });
    });

    it('functions and symbols are refused with NOT_SERIALIZABLE naming the key, though JSON would drop them quietly', async () => {
      for (const value of [() => 1, Symbol('s')]) {
        const outcome = await storeAndRead(buffer, { ok: 1, nested: { culprit: value } });
        expect(outcome).toMatchObject({
          code: 'NOT_SERIALIZABLE',
          message: expect.stringContaining('"culprit"') as unknown,
        });
      }
    });

    it('a function in an array is refused naming its index; a Date (its own toJSON) is stored as its JSON form', async () => {
      expect(await storeAndRead(buffer, { list: [1, { deeper: [0, () => 2] }] })).toMatchObject({
        code: 'NOT_SERIALIZABLE',
        message: expect.stringContaining('at key "1"') as unknown,
      });
      expect(await storeAndRead(buffer, { when: new Date(0), list: [{ a: null }] })).toEqual({
        read: { when: '1970-01-01T00:00:00.000Z', list: [{ a: null }] },
      });
    });

    it('traceData that is not a plain object is refused with NOT_SERIALIZABLE', async () => {
      for (const value of [null, undefined, 'text', 42, [1, 2], true]) {
        expect(await storeAndRead(buffer, value)).toMatchObject({ code: 'NOT_SERIALIZABLE' });
      }
    });
  });
}

describe('bad input: per-trace size limit', () => {
  it(`defaults to ${DEFAULT_MAX_TRACE_BYTES} bytes of JSON and refuses more with TRACE_TOO_LARGE naming both sizes`, async () => {
    const { buffer, errors } = recordingBuffer({ name: `size-${Date.now().toString(36)}`, storage: 'memory' });
    // {"p":"..."} plus the default config {}: 10 bytes around the string.
    const fits = 'x'.repeat(DEFAULT_MAX_TRACE_BYTES - 10);
    expect(await buffer.storeTrace({ p: fits })).toBe(true);
    expect(await buffer.storeTrace({ p: `${fits}x` })).toBe(false);
    expect(errors.map((error) => error.code)).toEqual(['TRACE_TOO_LARGE']);
    expect(errors[0]!.message).toContain(`${DEFAULT_MAX_TRACE_BYTES + 1} bytes`);
    expect(errors[0]!.message).toContain(String(DEFAULT_MAX_TRACE_BYTES));
    await buffer.close();
  });
});

describe('bad input: storeTrace and publish never reject (issue 14)', () => {
  it('a refused trace is counted in status.dropped.invalid and named in its dropped event', async () => {
    const { buffer, errors, dropped } = recordingBuffer({
      name: `invalid-${Date.now().toString(36)}`,
      storage: 'memory',
      maxTraceBytes: 100,
    });
    const cyclic: Record<string, unknown> = { inferenceId: 'cycle-1' };
    cyclic['self'] = cyclic;
    expect(await buffer.storeTrace(cyclic)).toBe(false);
    expect(await buffer.storeTrace({ inferenceId: 'big-1', text: 'x'.repeat(200) })).toBe(false);
    expect(await buffer.storeTrace({ inferenceId: 'ok-1' })).toBe(true);
    expect(errors.map((error) => error.code)).toEqual(['NOT_SERIALIZABLE', 'TRACE_TOO_LARGE']);
    expect(dropped.map((event) => [event.reason, event.traces.map((t) => t.traceId), event.error?.code])).toEqual([
      ['invalid', ['cycle-1'], 'NOT_SERIALIZABLE'],
      ['invalid', ['big-1'], 'TRACE_TOO_LARGE'],
    ]);
    const status = await buffer.getBufferStatus();
    expect(status.dropped.invalid).toBe(2);
    expect(status.totalTraces).toBe(1);
    expect(status.lastError?.code).toBe('TRACE_TOO_LARGE');
    await buffer.close();
  });

  it("publish with bad data resolves 'dropped' with the same report, sends nothing and calls no onFlushFailure", async () => {
    const sent: unknown[] = [];
    const flushFailures: unknown[] = [];
    const { buffer, errors, dropped } = recordingBuffer({
      name: `invalid-publish-${Date.now().toString(36)}`,
      storage: 'memory',
      autoReplay: false,
      send: (traces) => {
        sent.push(...traces);
        return Promise.resolve();
      },
      onFlushFailure: (...args) => flushFailures.push(args),
    });
    expect(await buffer.publish({ inferenceId: 'fn-1', callback: () => 1 })).toBe('dropped');
    expect(await buffer.publish({ inferenceId: 'big-2', n: 10n })).toBe('dropped');
    expect(errors.map((error) => error.code)).toEqual(['NOT_SERIALIZABLE', 'NOT_SERIALIZABLE']);
    expect(errors[0]!.message).toContain('"callback"');
    expect(dropped.map((event) => [event.reason, event.traces[0]?.traceId])).toEqual([
      ['invalid', 'fn-1'],
      ['invalid', 'big-2'],
    ]);
    expect(sent).toEqual([]);
    expect(flushFailures).toEqual([]);
    expect((await buffer.getBufferStatus()).dropped.invalid).toBe(2);
    await buffer.close();
  });

  it('publish without a send still rejects at once: a mistake in the code, not bad data', async () => {
    const { buffer } = recordingBuffer({ name: `no-send-${Date.now().toString(36)}`, storage: 'memory' });
    await expect(buffer.publish({ n: 10n })).rejects.toBeInstanceOf(TraceBufferOptionError);
    await buffer.close();
  });
});

describe('bad input: options', () => {
  const numeric: [option: string, min: number, max?: number][] = [
    ['maxBufferSize', 0],
    ['maxTraceBytes', 1],
    ['replayBatchSize', 1],
    ['replayConcurrency', 1, 16],
    ['leaseMs', 1],
    ['maxAttempts', 1],
  ];
  const anyValue = fc.oneof(
    fc.integer({ min: -1_000, max: 1_000_000 }),
    fc.double(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, Number.MAX_SAFE_INTEGER + 2),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.object(),
    fc.array(fc.integer()),
  );

  it('a numeric option is accepted when it is a whole number in range, else refused at once with INVALID_OPTION naming it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...numeric),
        fc.oneof(anyValue, fc.integer({ min: -2, max: 20 })),
        ([option, min, max], value) => {
          const valid =
            (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= (max ?? Infinity)) ||
            (option === 'maxAttempts' && value === Infinity);
          let thrown: unknown;
          try {
            void createTraceBuffer({ storage: 'memory', [option]: value }).close();
          } catch (error) {
            thrown = error;
          }
          if (valid) expect(thrown).toBeUndefined();
          else {
            expect(thrown).toBeInstanceOf(TraceBufferOptionError);
            expect(thrown).toBeInstanceOf(TypeError);
            expect((thrown as TraceBufferOptionError).code).toBe('INVALID_OPTION');
            expect((thrown as Error).message).toContain(`"${option}"`);
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('storage, durability, name and callbacks of the wrong type are refused with INVALID_OPTION naming the option', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('storage', 'durability', 'name', 'onError', 'onEvent', 'send', 'autoReplay'),
        fc.oneof(
          fc.integer(),
          fc.double(),
          fc.constant(null),
          fc.array(fc.integer()),
          fc.constant(''),
          fc.constant(' spaces are not allowed in a name '),
        ),
        (option, value) => {
          expect(() => createTraceBuffer({ storage: 'memory', [option]: value })).toThrow(
            expect.objectContaining({
              code: 'INVALID_OPTION',
              message: expect.stringContaining(`"${option}`) as unknown,
            }),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
